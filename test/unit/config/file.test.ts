// The worker-side pairs file loader: JSONC, every pair validated, errors naming the file, the pair and the field.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  loadPairsFile,
  pairsFilePath,
  PairsFileError,
  resolvePairRef,
  UnknownPairError,
} from '../../../src/config/file';
import { parseJsonc } from '../../../src/config/jsonc';
import { repoRoot } from '../../../stack/local-stack';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-pairs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const example = path.join(repoRoot, 'config', 'pairs.example.jsonc');

describe('pairs file', () => {
  test('the shipped example loads both local pairs', () => {
    const { pairs } = loadPairsFile(example);
    assert.deepEqual([...pairs.keys()], ['local-apsaramq', 'local-kafka']);
    const apsara = pairs.get('local-apsaramq')!;
    assert.equal(apsara.primary.instanceId, 'alikafka_pre-cn-kdrprimary01');
    assert.equal(apsara.secondary.region, 'cn-shanghai');
    assert.equal(apsara.replication.provider, 'eventbridge');
    const kafka = pairs.get('local-kafka')!;
    assert.equal(kafka.replication.connectUrl, 'http://127.0.0.1:8083', 'a // inside a string is not a comment');
    assert.deepEqual(kafka.dns.resolvers, ['127.0.0.1:5353']);
    assert.deepEqual(kafka.groups, { pattern: '.*' });
  });

  test('JSONC: line and block comments, trailing commas, and a syntax error with its line and column', () => {
    assert.deepEqual(parseJsonc('{ /* a */ "a": "x//y", // b\n "b": [1, 2,], }'), { a: 'x//y', b: [1, 2] });
    const file = write('broken.jsonc', '{\n  "pairs": [\n    { "name": "x" \n    "primary": {} }\n  ]\n}\n');
    assert.throws(
      () => loadPairsFile(file),
      (err: Error) => {
        assert.ok(err instanceof PairsFileError);
        assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 4, column 5: `));
        return true;
      },
    );
  });

  test('every problem of every pair is named with the file, the pair and the field', () => {
    const text = fs
      .readFileSync(example, 'utf8')
      .replace('"ttl": 5,                            // short', '"ttl": "sixty", // short')
      .replace('"canaryTopic": "kdr-canary"\n        // thresholds', '"canaryTopic": ""\n        // thresholds');
    const file = write('bad.jsonc', text);
    assert.throws(
      () => loadPairsFile(file),
      (err: Error) => {
        assert.ok(err instanceof PairsFileError);
        assert.equal(
          err.message,
          `${file}: 2 problems:\n` +
            '  - pair "local-apsaramq": dns.ttl: expected an integer between 1 and 86400, got "sixty"\n' +
            '  - pair "local-kafka": replication.canaryTopic: expected a topic name, got ""',
        );
        return true;
      },
    );
  });

  test('duplicate names, a missing file, a missing variable, an unknown pair', () => {
    const pair = loadPairsFile(example).pairs.get('local-kafka');
    const dup = write('dup.json', JSON.stringify({ pairs: [pair, pair] }));
    assert.throws(
      () => loadPairsFile(dup),
      /dup\.json: pair "local-kafka": name: the name "local-kafka" is used twice/,
    );
    assert.throws(
      () => loadPairsFile(path.join(dir, 'nope.jsonc')),
      /nope\.jsonc: cannot read the pairs file \(ENOENT\); check KDR_PAIRS_FILE/,
    );
    assert.throws(() => pairsFilePath({}), /KDR_PAIRS_FILE is not set: point it at a pairs file/);
    assert.throws(
      () => write('x', '') && loadPairsFile(write('list.json', '[]')),
      /list\.json: expected an object \{ "pairs": \[/,
    );
    assert.throws(
      () => resolvePairRef({ pair: 'prod' }, example),
      (err: Error) => {
        assert.ok(err instanceof UnknownPairError);
        assert.match(
          err.message,
          /pair "prod" is not in .*pairs\.example\.jsonc \(known pairs: "local-apsaramq", "local-kafka"\)/,
        );
        return true;
      },
    );
    assert.equal(resolvePairRef({ pair: 'local-kafka' }, example).name, 'local-kafka');
    assert.equal(resolvePairRef({ config: pair }).name, 'local-kafka');
  });
});
