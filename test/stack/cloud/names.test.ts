// The official ApsaraMQ name limits (src/cloud/names.ts), as preflight applies them to an ApsaraMQ secondary.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { apsaraMqNameProblem, describeRefusedNames, namesApsaraMqRefuses } from '../../../src/cloud/names';

describe('ApsaraMQ name limits', () => {
  test('letters, digits, _ - and . (the emulator refused "."), 3 to 64 characters', () => {
    for (const ok of ['abc', 'orders.v1', 'team_a-billing.eu', 'A'.repeat(64), '...', '1.2'])
      assert.equal(apsaraMqNameProblem(ok), undefined, ok);
    assert.equal(apsaraMqNameProblem('ab'), '2 characters (allowed 3-64)');
    assert.equal(apsaraMqNameProblem('g'.repeat(65)), '65 characters (allowed 3-64)');
    assert.equal(
      apsaraMqNameProblem('g'.repeat(128)),
      '128 characters (allowed 3-64)',
      'the emulator accepted groups of 65-128 characters',
    );
    assert.equal(apsaraMqNameProblem('a b/c'), 'characters " " "/" (allowed: letters, digits, _ - .)');
    assert.equal(
      apsaraMqNameProblem('é'),
      '1 characters (allowed 3-64); characters "é" (allowed: letters, digits, _ - .)',
    );
  });

  test('every refused name of a selection, topics first, with its reason, in a line an operator can act on', () => {
    const long = `orders-${'x'.repeat(60)}`;
    const refused = namesApsaraMqRefuses(['orders', long, 'pay ments'], ['billing.v2', 'g/1', 'ok-group']);
    assert.deepEqual(
      refused.map((r) => [r.kind, r.name]),
      [
        ['topic', long],
        ['topic', 'pay ments'],
        ['group', 'g/1'],
      ],
    );
    assert.equal(
      describeRefusedNames(refused),
      `topic "${long}" (67 characters (allowed 3-64)); topic "pay ments" (characters " " (allowed: letters, digits, _ - .)); ` +
        'group "g/1" (characters "/" (allowed: letters, digits, _ - .))',
    );
    assert.deepEqual(namesApsaraMqRefuses(['orders'], ['billing']), []);
  });
});
