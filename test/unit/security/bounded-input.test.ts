// Issue 29, "Bounded by construction": every finding reproduced with pure code and refused now. Each test is
// named after its finding. No services: this file is in the fast tier (npm run test:unit).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { temporal as proto } from '@temporalio/proto';
import {
  ApprovePayloadSchema,
  boundsProblem,
  FailoverInputSchema,
  INPUT_BOUNDS,
  MAX_SHOWN_PROBLEMS,
  PairConfigSchema,
  patternProblem,
  RejectPayloadSchema,
  ResolvePayloadSchema,
  selectNames,
  SelectionBudgetError,
  selects,
  SetupInputSchema,
  SIGNAL_BOUNDS,
  StopWatchPayloadSchema,
  validate,
  WatchInputSchema,
  REFUSED_PAYLOAD_KEY,
} from '../../../src/config';
import { NameMatcher } from '../../../src/config/name-matcher';
import { parsePairs, PairsFileError } from '../../../src/config/file';
import {
  DEFAULT_MAX_DECODED_BYTES,
  GzipLargePayloadCodec,
  GZIP_ENCODING,
  maxDecodedBytes,
} from '../../../src/data-converter';
import { scheduleDrill } from '../../../app/cli/commands/drill';
import { startVerify } from '../../../app/cli/actions';
import { registerWatch } from '../../../app/cli/commands/watch';
import { CliError } from '../../../app/cli/errors';
import type { CliContext } from '../../../app/cli/temporal';
import { localKafkaPair } from '../../../stack/local-pairs';

const pair = () => localKafkaPair('bounded', ['orders']);

/** [[[ ... "x" ... ]]] `levels` deep, built without recursion (as JSON.parse builds it from a signal). */
function nested(levels: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

function refused(result: ReturnType<typeof validate>): string {
  assert.equal(result.ok, false, 'must be refused');
  return result.ok ? '' : result.message;
}

/** A Temporal context whose every use fails the test: the flag must be refused before anything is sent. */
const untouchable = new Proxy(
  {},
  {
    get: (_t, key) => {
      throw new Error(`Temporal was contacted (${String(key)}) with an invalid flag`);
    },
  },
) as CliContext;

describe('bounded by construction (issue 29)', () => {
  test('finding 1: a signal nested 50,000 levels deep is refused by every signal schema, without a stack overflow', () => {
    const deep = nested(50_000);
    for (const [schema, payload] of [
      [ApprovePayloadSchema, { by: deep, planId: 'p1' }],
      [RejectPayloadSchema, { by: 'bob', reason: deep }],
      [ResolvePayloadSchema, { action: 'retry', by: 'bob', note: deep }],
      [StopWatchPayloadSchema, { by: 'bob', reason: deep }],
      [ApprovePayloadSchema, deep],
    ] as const) {
      const message = refused(validate(schema, payload));
      assert.match(message, /nested more than 4 levels deep/);
    }
  });

  test('finding 1: a drFailover input of 200,000 empty group names is refused naming groups, not a RangeError', () => {
    const message = refused(
      validate(FailoverInputSchema, { pair: 'p', requestedBy: 'alice', groups: Array(200_000).fill('') }),
    );
    assert.match(message, /^invalid input: groups: is a list of 200000 items; at most 10000 are accepted here$/);
    // Same for every runbook's input, and for the pair config inside it.
    for (const schema of [SetupInputSchema, WatchInputSchema])
      assert.match(refused(validate(schema, { pair: 'p', config: nested(100) })), /config/);
    assert.match(
      refused(
        validate(FailoverInputSchema, { config: { ...pair(), groups: Array(200_000).fill('') }, requestedBy: 'alice' }),
      ),
      /config\.groups: is a list of 200000/,
    );
  });

  test('finding 1: the guard is iterative and bounded: a value just inside the bounds passes, one past each bound is refused naming where', () => {
    assert.equal(boundsProblem({ a: nested(INPUT_BOUNDS.maxDepth - 1) }, INPUT_BOUNDS), undefined);
    assert.match(boundsProblem({ a: nested(INPUT_BOUNDS.maxDepth) })!.message, /nested more than 12 levels/);
    assert.equal(boundsProblem({ a: nested(INPUT_BOUNDS.maxDepth) })!.path, 'a[0][0][0][0][0][0][0][0][0][0][0]');
    assert.equal(
      boundsProblem({ a: { b: nested(20) } }, { ...INPUT_BOUNDS, maxDepth: 20 })!.path,
      'a.b[0][0][0][0]...[0][0][0][0][0]',
    );
    assert.match(
      boundsProblem({ by: 'x'.repeat(SIGNAL_BOUNDS.maxString + 1) }, SIGNAL_BOUNDS)!.message,
      /string of 2049 characters/,
    );
    assert.match(
      boundsProblem(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 1])), SIGNAL_BOUNDS)!.message,
      /17 fields/,
    );
    const big = { groups: Array(10_000).fill('g'.repeat(200)) };
    assert.match(boundsProblem(big)!.message, /larger than 1 MiB as JSON/);
    assert.equal(boundsProblem({ groups: Array(10_000).fill('g'.repeat(50)) }), undefined);
  });

  test('finding 2: patterns that backtrack are refused, adjacent repetitions included', () => {
    const fourteen = `${'.*'.repeat(14)}!`;
    assert.equal(
      validate(FailoverInputSchema, { pair: 'p', requestedBy: 'a', dryRun: true, groups: { pattern: fourteen } }).ok,
      false,
    );
    for (const p of ['.*.*', 'a*a*', 'a+a+', '\\w+\\d*', '(a|a)*', '(a+)+', 'x.*.+y', '[a-z]*[k-m]+']) {
      assert.ok(patternProblem(p), `${p} must be refused`);
    }
    for (const p of [
      '.*',
      'orders|payments',
      'orders-.*',
      'team-a\\.(billing|ledger)',
      '[a-z]+[0-9]*',
      '.*-.*',
      '^orders$',
      'app-\\d{1,3}',
    ]) {
      assert.equal(patternProblem(p), undefined, `${p} must be accepted`);
    }
  });

  test('finding 2: the linear-time matcher selects exactly what RegExp selects (differential, 3,000 random patterns)', () => {
    const atoms = [
      'a',
      'b',
      '.',
      '[ab]',
      '[^a]',
      '\\d',
      '\\w',
      '-',
      '(a|b)',
      '(ab|a)',
      '(?:a-)',
      '\\.',
      '[a-c]',
      '[\\d-]',
      'x{2}',
      'b{1,2}',
      'a{2,}',
      '^',
      '$',
      '(a|)',
      '[]',
      '[^]',
      '\\s',
      '\\u0061',
    ];
    const quantifiers = ['', '', '', '*', '+', '?', '*?', '{0,2}', '{2}'];
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed % n;
    };
    let compared = 0;
    for (let k = 0; k < 3_000; k++) {
      let p = '';
      for (let i = 1 + rnd(5); i > 0; i--) {
        p += atoms[rnd(atoms.length)];
        if (!/[\^$]$/.test(p)) p += quantifiers[rnd(quantifiers.length)];
        if (rnd(8) === 0) p += '|';
      }
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${p})$`);
      } catch {
        continue;
      }
      const m = new NameMatcher(p);
      for (let j = 0; j < 20; j++) {
        let name = '';
        for (let i = rnd(7); i > 0; i--) name += 'ab-1.x_ \n'[rnd(9)];
        assert.equal(m.test(name), re.test(name), `pattern ${JSON.stringify(p)} on ${JSON.stringify(name)}`);
        compared++;
      }
    }
    assert.ok(compared > 30_000, `compared ${compared}`);
    // The pattern that took RegExp 16.8 s per name answers, name after name (no backtracking to wait for).
    const fourteen = new NameMatcher(`${'.*'.repeat(14)}!`);
    for (let i = 0; i < 1_000; i++) assert.equal(fourteen.test(`${'a'.repeat(30)}-${i}`), false);
    assert.equal(fourteen.test(`${'a'.repeat(30)}!`), true);
  });

  test('finding 2: selection runs within a time budget and names the pattern when it runs out', () => {
    let now = 0;
    const clock = () => (now += 50);
    const names = Array.from({ length: 20_000 }, (_, i) => `g-${i}`);
    assert.throws(
      () => selectNames({ pattern: 'g-.*' }, names, 1_000, clock),
      (e: Error) =>
        e instanceof SelectionBudgetError &&
        /pattern "g-\.\*" took longer than 1000 ms \(\d+ of 20000 names\)/.test(e.message),
    );
    assert.equal(selectNames({ pattern: 'g-1.*' }, names).length, 11_111);
  });

  test('finding 3: a gzip bomb decodes to a refusal naming the cap, not to hundreds of MB; normal large payloads still round-trip', async () => {
    const codec = new GzipLargePayloadCodec(128 * 1024, 1024 * 1024);
    const inner = proto.api.common.v1.Payload.encode({
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.alloc(32 * 1024 * 1024, 0x20),
    }).finish();
    const bomb = { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: gzipSync(inner) };
    assert.ok(bomb.data.byteLength < 64 * 1024, 'a small payload on the wire');
    const [decoded] = await codec.decode([bomb]);
    const value = JSON.parse(Buffer.from(decoded.data!).toString()) as Record<string, string>;
    assert.match(value[REFUSED_PAYLOAD_KEY], /decompresses to more than 1 MiB \(KDR_MAX_DECODED_PAYLOAD_BYTES\)/);
    // Whatever receives it refuses it like any invalid value.
    assert.match(
      refused(validate(ApprovePayloadSchema, value, { what: 'approve' })),
      /decompresses to more than 1 MiB/,
    );
    const [junk] = await codec.decode([
      { metadata: { encoding: Buffer.from(GZIP_ENCODING) }, data: Buffer.from('not gzip') },
    ]);
    assert.match(Buffer.from(junk.data!).toString(), /not valid gzip/);
    const plan = {
      metadata: { encoding: Buffer.from('json/plain') },
      data: Buffer.from(JSON.stringify({ groups: Array(20_000).fill('group') })),
    };
    const [encoded] = await codec.encode([plan]);
    assert.equal(Buffer.from(encoded.metadata!.encoding!).toString(), GZIP_ENCODING);
    assert.deepEqual(Buffer.from((await codec.decode([encoded]))[0].data!), plan.data);
    assert.equal(maxDecodedBytes({}), DEFAULT_MAX_DECODED_BYTES);
    assert.equal(maxDecodedBytes({ KDR_MAX_DECODED_PAYLOAD_BYTES: '4096' }), 4096);
    assert.equal(maxDecodedBytes({ KDR_MAX_DECODED_PAYLOAD_BYTES: 'lots' }), DEFAULT_MAX_DECODED_BYTES);
  });

  test('finding 4: 60,000 listed groups are refused; 10,000 are selected through a Set', () => {
    const listed = Array.from({ length: 60_000 }, (_, i) => `group-${i}`);
    assert.match(
      refused(validate(FailoverInputSchema, { pair: 'p', requestedBy: 'a', groups: listed })),
      /groups: is a list of 60000 items; at most 10000/,
    );
    const ten = listed.slice(0, 10_000);
    const checked = validate(FailoverInputSchema, { pair: 'p', requestedBy: 'a', groups: ten });
    assert.ok(checked.ok);
    const selection = checked.value.groups!;
    assert.equal(listed.filter((g) => selects(selection, g)).length, 10_000);
    assert.equal(selectNames(selection, listed).length, 10_000);
  });

  test('finding 4: error messages are capped: the first 20 problems, each clipped, then "... and N more"', () => {
    const message = refused(
      validate(FailoverInputSchema, { pair: 'p', requestedBy: 'a', groups: Array(10_000).fill('') }),
    );
    const lines = message.split('\n');
    assert.equal(lines[0], 'invalid input (10000 problems):');
    assert.equal(lines.length, 1 + MAX_SHOWN_PROBLEMS + 1);
    assert.equal(lines.at(-1), `  ... and ${10_000 - MAX_SHOWN_PROBLEMS} more`);
    // Many unknown fields with long names, many bad values: bounded whatever the input.
    const wide = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`${'k'.repeat(4_000)}${i}`, 'v'.repeat(4_000)]),
    );
    assert.ok(refused(validate(PairConfigSchema, { ...pair(), ...wide })).length < 10_000);
    let seed = 3;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed % n;
    };
    const junk = (): unknown =>
      [
        null,
        -1,
        'x'.repeat(rnd(5_000)),
        {},
        [],
        Array(rnd(10_000)).fill(rnd(3) ? 'x' : 7),
        { [`f${rnd(9)}`]: 'y'.repeat(rnd(4_000)) },
      ][rnd(7)];
    let longest = 0;
    for (let i = 0; i < 300; i++) {
      const c = {
        ...pair(),
        [['name', 'primary', 'dns', 'groups', 'replication', 'deadlines', 'notify', 'approval', 'watch'][rnd(9)]]:
          junk(),
      };
      const r = validate(PairConfigSchema, c);
      if (!r.ok) longest = Math.max(longest, r.message.length);
    }
    assert.ok(longest < 10_000, `longest message ${longest} characters`);
  });

  test('finding 5: __proto__, constructor and prototype keys are refused with a clear error, never a TypeError', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const deadlines = JSON.parse(`{"${key}": null}`) as unknown;
      const message = refused(validate(PairConfigSchema, { ...pair(), deadlines }));
      assert.match(message, new RegExp(`deadlines\\.${key}: the field name "${key}" is not accepted`));
      assert.throws(
        () =>
          parsePairs(
            JSON.stringify({ pairs: [{ ...pair(), deadlines: { placeholder: null } }] }).replace('placeholder', key),
            'pairs.jsonc',
          ),
        (e: Error) => e instanceof PairsFileError && e.message.includes(`deadlines.${key}: the field name`),
      );
      assert.match(
        refused(validate(ApprovePayloadSchema, JSON.parse(`{"by": "bob", "planId": "p", "${key}": {}}`) as unknown)),
        /is not accepted/,
      );
    }
  });

  test('finding 6: kdr drill schedule, verify and watch --stop refuse bad flags before anything is sent', async () => {
    await assert.rejects(
      scheduleDrill(untouchable, 'local-kafka', '0 3 * * 1; rm -rf /', 'alice'),
      (e: Error) => e instanceof CliError && /--cron: expected a cron expression/.test(e.message),
    );
    await assert.rejects(
      scheduleDrill(untouchable, 'local-kafka', '0 3 * * 1', 'b\u200Bob'),
      (e: Error) => e instanceof CliError && /--by: .*U\+200B/.test(e.message),
    );
    await assert.rejects(
      startVerify(untouchable, 'local-kafka', { requestedBy: 'x'.repeat(500) }),
      (e: Error) => e instanceof CliError && /--requested-by: .*at most 128/.test(e.message),
    );
    for (const [flags, expected] of [
      [['--by', 'a\u0007b'], /--by: /],
      [['--by', 'bob', '--reason', 'r'.repeat(600)], /--reason: .*at most 500/],
    ] as const) {
      const program = new Command().exitOverride();
      let error: unknown;
      registerWatch(program, {
        print: () => undefined,
        checkPair: () => undefined,
        operator: () => 'alice',
        withTemporal: async (_cmd, fn) => {
          try {
            return await fn({
              ...untouchable,
              client: { workflow: { getHandle: () => ({ signal: () => assert.fail('signal sent') }) } },
            } as unknown as CliContext);
          } catch (e) {
            error = e;
            return undefined as never;
          }
        },
      });
      await program.parseAsync(['watch', 'local-kafka', '--stop', ...flags], { from: 'user' });
      assert.ok(error instanceof CliError && expected.test(error.message), String(error));
    }
    // Good flags still pass the check (and reach Temporal).
    await assert.rejects(scheduleDrill(untouchable, 'local-kafka', '0 3 * * 1', 'alice'), /Temporal was contacted/);
  });
});
