// Generated malformed inputs for the malformed-input suite: every field of the pair config (pairs file and
// inline), of both workflow inputs and of the signal payloads, each combined with values that field must
// refuse. A case knows the field its refusal must name.
import type { PairConfigInput } from '../../../src/config';
import { localApsaramqPair, localKafkaPair } from '../../../stack/local-pairs';

export interface Case {
  what: string;
  input: unknown;
  /** The dotted path the refusal must name. */
  field: string;
}

const ZW = 'b\u200Bob';
/** Real public keys (made by kdr keygen): a placeholder such as ed25519:AAAA…A= is a small-order point, refused on its own. */
const KEY_1 = 'ed25519:9I2HYNaMae0ESAAj7S36Vncyjh8/mI5xWOm5YbSa9ck=';
const KEY_2 = 'ed25519:GHFgOxiiB9GmmHA/hXiwgMdjU1E5EbG2+EdJ0FklxjY=';
const BIDI = 'bob\u202Eevil';
const CTRL = 'bo\u0007b';
const HUGE = 'x'.repeat(5_000);
/** Wrong for every field that takes a string, a number, a list or an object of its own kind. */
const WRONG_TYPES: unknown[] = [null, true, { nested: 1 }];
const BOOLEAN_FIELDS = new Set(['approval.forbidSelfApproval', 'dryRun', 'drain']);
const wrongTypesFor = (field: string) => WRONG_TYPES.filter((v) => !(v === true && BOOLEAN_FIELDS.has(field)));

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path
    .split('.')
    .flatMap((k) => k.split(/\[(\d+)\]/).filter(Boolean))
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  let obj: Record<string | number, unknown> = target;
  for (const k of keys.slice(0, -1)) {
    if (obj[k] === undefined || obj[k] === null || typeof obj[k] !== 'object')
      obj[k] = typeof keys[keys.indexOf(k) + 1] === 'number' ? [] : {};
    obj = obj[k] as Record<string | number, unknown>;
  }
  obj[keys[keys.length - 1]] = value;
}

function mutate<T>(base: T, path: string, value: unknown): T {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  setPath(copy, path, value);
  return copy as T;
}

/** field -> values it must refuse (beyond WRONG_TYPES). */
const PAIR_FIELDS: Record<string, unknown[]> = {
  name: ['', 'UPPER', '-lead', 'a'.repeat(64), 'has space', 'dot.ted', ZW, 7],
  'primary.provider': ['confluent', '', 'APSARAMQ', 3],
  'primary.bootstrapServers': [[], 'host:9092', [42]],
  'primary.bootstrapServers[0]': [
    '10.0.0.1',
    'host:0',
    'host:70000',
    'http://host:9092',
    ' :9092',
    `${'a'.repeat(260)}:9092`,
    'user:pw@host:9092',
  ],
  'primary.endpointHost': ['', '-bad-.com', 'a..b', 'has space.com', `${'a'.repeat(64)}.com`, 'http://x.com'],
  'primary.security.protocol': ['TLS', 'sasl_ssl', ''],
  'primary.security.passwordEnv': [
    '1ABC',
    'has-dash',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    'TEMPORAL_API_KEY',
    'KDR_PAIRS_FILE',
    HUGE,
  ],
  'primary.security.usernameEnv': ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'a b', ''],
  'secondary.region': ['Hangzhou', 'cn', 'cn_hangzhou', ''],
  'replication.provider': ['mm2', 'EventBridge', ''],
  'replication.topics': [
    'orders',
    [],
    { pattern: '(a+)+$' },
    { pattern: '(x|xy)*z' },
    { pattern: '(' },
    { pattern: 'a'.repeat(201) },
    { pattern: '(a)\\1' },
    { pattern: '(?=a)a' },
    { regex: 'a' },
  ],
  'replication.canaryTopic': ['', HUGE],
  'replication.connectUrl': [
    'ftp://h:1',
    'http://user:secret@127.0.0.1:8083',
    'https://token@connect.example.com',
    '127.0.0.1:8083',
    'http:// space',
  ],
  'replication.thresholds.maxLatencyMs': [0, -5, 1.5, 3_600_001, '30s'],
  'replication.thresholds.canaryTimeoutMs': [0, 99_999_999, 'soon'],
  'replication.thresholds.connectorReadyTimeoutMs': [0, 86_400_001, Number.MAX_SAFE_INTEGER],
  'replication.thresholds.canaryRecords': [0, 1_001, 2.5],
  'replication.thresholds.maxLagRecords': [-1, 1e12],
  'replication.thresholds.bogus': [1],
  'dns.provider': ['route53', ''],
  'dns.domain': ['', 'no spaces.com', '-x.com'],
  'dns.rr': ['', 'a b', '..', 'kafka..dr'],
  'dns.ttl': [0, 86_401, 'sixty', 1.5],
  'dns.resolvers': [[], '1.1.1.1'],
  'dns.resolvers[0]': ['dns.google', '1.1.1.256', '1.1.1.1:0', '[::1', 'http://1.1.1.1'],
  groups: ['all', { pattern: '(.*)*' }, { pattern: '' }, [''], { pattern: '([a-z]+)+x' }],
  'approval.required': [0, 11, 1.5, '2'],
  'approval.timeout': ['0s', '8d', -1, 'forever', 1e15],
  'approval.identity': ['ldap', 'SIGNED', ''],
  'approval.allowList': [[], [ZW], [BIDI], [CTRL], ['']],
  'approval.signatureMaxAge': ['2h', '10ms', 'later'],
  'approval.forbidSelfApproval': ['no', 0],
  password: ['s3cret'],
  secretKey: ['abc'],
};

/** Cross-field rules: the value is fine alone but not with the rest. */
function crossCases(base: PairConfigInput, label: string): Case[] {
  const signedNoKeys = mutate(base, 'approval', { identity: 'signed' });
  const keysDeclared = mutate(base, 'approval', { approvers: [{ name: 'bob', publicKey: KEY_1 }] });
  const badKey = mutate(base, 'approval', {
    identity: 'signed',
    approvers: [{ name: 'bob', publicKey: 'ssh-ed25519 AAAA' }],
  });
  const dupApprover = mutate(base, 'approval', {
    identity: 'signed',
    approvers: [
      { name: 'bob', publicKey: KEY_1 },
      { name: 'BOB', publicKey: KEY_2 },
    ],
  });
  const tooFew = mutate(base, 'approval', { required: 3, allowList: ['a', 'b'] });
  const sameEndpoint = mutate(base, 'secondary.endpointHost', base.primary.endpointHost);
  const sasl = mutate(base, 'primary.security', { protocol: 'SASL_SSL' });
  const mechanismOnly = mutate(base, 'primary.security', { protocol: 'PLAINTEXT', mechanism: 'PLAIN' });
  return [
    { what: `${label}: signed without approvers`, input: signedNoKeys, field: 'approval.approvers' },
    { what: `${label}: approvers with declared identity`, input: keysDeclared, field: 'approval.approvers' },
    { what: `${label}: a public key in another format`, input: badKey, field: 'approval.approvers[0].publicKey' },
    { what: `${label}: one approver twice (case variant)`, input: dupApprover, field: 'approval.approvers[1].name' },
    { what: `${label}: fewer approvers than approvals`, input: tooFew, field: 'approval.allowList' },
    { what: `${label}: same endpoint on both sides`, input: sameEndpoint, field: 'secondary.endpointHost' },
    { what: `${label}: SASL without mechanism`, input: sasl, field: 'primary.security.mechanism' },
    { what: `${label}: mechanism without SASL`, input: mechanismOnly, field: 'primary.security.mechanism' },
  ];
}

export function pairCases(): Case[] {
  const out: Case[] = [];
  for (const [label, base] of [
    ['kafka pair', localKafkaPair('mal-k', ['orders'])],
    ['apsaramq pair', localApsaramqPair('mal-a', ['orders'])],
  ] as const) {
    for (const [field, values] of Object.entries(PAIR_FIELDS)) {
      if (label === 'apsaramq pair' && field.startsWith('replication.connectUrl')) continue;
      const all =
        field.includes('security') || field === 'password' || field === 'secretKey' || field.endsWith('bogus')
          ? values
          : [...values, ...wrongTypesFor(field)];
      for (const v of all) {
        let input = mutate(base, field, v);
        if (field.startsWith('primary.security.') && !field.endsWith('protocol')) {
          input = mutate(input, 'primary.security', {
            protocol: 'SASL_SSL',
            mechanism: 'PLAIN',
            usernameEnv: 'KDR_SECRET_U',
            passwordEnv: 'KDR_SECRET_P',
            [field.split('.').pop()!]: v,
          });
        }
        const named = field === 'password' || field === 'secretKey' ? field : field;
        out.push({ what: `${label}: ${field} = ${JSON.stringify(v)?.slice(0, 40)}`, input, field: named });
      }
    }
    out.push(...crossCases(base, label));
  }
  return out;
}

const FAILOVER_FIELDS: Record<string, unknown[]> = {
  pair: ['', 'UPPER', 'a b', ZW, 42],
  requestedBy: ['', ' ', ZW, BIDI, CTRL, 'a'.repeat(300), 5],
  dryRun: ['yes', 1],
  drain: ['maybe', 'AUTO', 2],
  groups: ['g1', [], { pattern: '(a*)*' }, { pattern: '[' }, [''], { list: ['a'] }],
  'translation.operatorTimestamp': [
    '2026-01-31T12:00:00',
    '2026-01-31 12:00:00Z',
    'yesterday',
    '2999-01-01T00:00:00Z',
    -5,
    253402300800000,
    '2026-13-01T00:00:00Z',
  ],
  'translation.marginMs': [-1, 1.5, 8 * 86_400_000, '5s'],
  'translation.source': ['checkpoint'],
  'approval.required': [0, 11, 'two'],
  'approval.timeout': ['8d', '0s', 'never', 1e13],
  'approval.forbidSelfApproval': ['false', 0],
  'approval.allowList': [[], [ZW], ['']],
  'approval.identity': ['declared'],
  'switchover.quietWindow': ['0s', '11m', 'quiet'],
  'switchover.timeout': ['1s', '2d'],
  'switchover.guard': ['25h', 'off', -1],
  extra: [1],
};

export function failoverCases(): Case[] {
  const base = { pair: 'local-kafka', requestedBy: 'alice' };
  const out: Case[] = [];
  for (const [field, values] of Object.entries(FAILOVER_FIELDS)) {
    const all = ['extra', 'translation.source', 'approval.identity'].includes(field)
      ? values
      : [...values, ...wrongTypesFor(field)];
    for (const v of all)
      out.push({
        what: `failover input: ${field} = ${JSON.stringify(v)?.slice(0, 40)}`,
        input: mutate(base, field, v),
        field,
      });
  }
  out.push({ what: 'failover input: neither pair nor config', input: { requestedBy: 'alice' }, field: 'pair' });
  out.push({
    what: 'failover input: both pair and config',
    input: { ...base, config: localKafkaPair('mal-both', ['orders']) },
    field: 'config',
  });
  out.push({ what: 'failover input: requestedBy missing', input: { pair: 'local-kafka' }, field: 'requestedBy' });
  out.push({ what: 'failover input: not an object', input: 'local-kafka', field: '' });
  return out;
}

export function setupCases(): Case[] {
  const out: Case[] = [];
  for (const v of ['', 'UPPER', ZW, 42, null, ['a'], 'a'.repeat(64)])
    out.push({ what: `setup input: pair = ${JSON.stringify(v)}`, input: { pair: v }, field: 'pair' });
  for (const v of [ZW, BIDI, CTRL, '', 7, 'a'.repeat(300)])
    out.push({
      what: `setup input: requestedBy = ${JSON.stringify(v)}`,
      input: { pair: 'local-kafka', requestedBy: v },
      field: 'requestedBy',
    });
  out.push({
    what: 'setup input: approval is not a setup option',
    input: { pair: 'local-kafka', approval: {} },
    field: 'approval',
  });
  out.push({ what: 'setup input: a secret inline', input: { pair: 'local-kafka', password: 'x' }, field: 'password' });
  return out;
}

const SIG = 'A'.repeat(86) + '==';
export function signalCases(): { schema: 'approve' | 'reject' | 'resolve'; c: Case }[] {
  const out: { schema: 'approve' | 'reject' | 'resolve'; c: Case }[] = [];
  const approve = { by: 'bob', planId: 'abc123' };
  const fields: Record<string, unknown[]> = {
    by: ['', ZW, BIDI, CTRL, 'ｂ\u200Cｏｂ', 'a'.repeat(200), 3, null],
    planId: ['', 'has space', 'UPPER', 'a'.repeat(65), '../../etc', 9, null],
    comment: ['', 'a'.repeat(501), `note${'\u200B'}`, 'bell\u0007', 3],
    signature: ['short', `${SIG}x`, 'A'.repeat(88), 5],
    signedAt: ['2026-01-31T12:00:00', 'yesterday', 17],
    extra: [1],
  };
  for (const [field, values] of Object.entries(fields)) {
    for (const v of values) {
      const input = mutate(approve, field, v) as Record<string, unknown>;
      if (field === 'signature' && typeof v === 'string' && v.length < 10) input.signedAt = '2026-01-31T12:00:00.000Z';
      out.push({
        schema: 'approve',
        c: { what: `approve: ${field} = ${JSON.stringify(v)?.slice(0, 30)}`, input, field },
      });
    }
  }
  out.push({
    schema: 'approve',
    c: { what: 'approve: signature without signedAt', input: { ...approve, signature: SIG }, field: 'signedAt' },
  });
  for (const v of ['', 'x'.repeat(501), 'a\u202Eb', 'tab\u0000', 4])
    out.push({
      schema: 'reject',
      c: {
        what: `reject: reason = ${JSON.stringify(v)?.slice(0, 30)}`,
        input: { by: 'bob', reason: v },
        field: 'reason',
      },
    });
  for (const v of [ZW, '', 1])
    out.push({
      schema: 'reject',
      c: { what: `reject: by = ${JSON.stringify(v)}`, input: { by: v, reason: 'no' }, field: 'by' },
    });
  for (const v of ['restart', '', 'RETRY', 1])
    out.push({
      schema: 'resolve',
      c: { what: `resolve: action = ${JSON.stringify(v)}`, input: { action: v, by: 'bob' }, field: 'action' },
    });
  for (const v of [ZW, CTRL, ''])
    out.push({
      schema: 'resolve',
      c: { what: `resolve: by = ${JSON.stringify(v)}`, input: { action: 'retry', by: v }, field: 'by' },
    });
  for (const v of ['Step', '-x', 'a'.repeat(65), 3])
    out.push({
      schema: 'resolve',
      c: {
        what: `resolve: step = ${JSON.stringify(v)}`,
        input: { action: 'retry', by: 'bob', step: v },
        field: 'step',
      },
    });
  for (const v of ['n\u200Bote', 'x'.repeat(501)])
    out.push({
      schema: 'resolve',
      c: {
        what: `resolve: note = ${JSON.stringify(v)?.slice(0, 20)}`,
        input: { action: 'retry', by: 'bob', note: v },
        field: 'note',
      },
    });
  return out;
}

/** kdr command lines that must exit 2 naming the flag (or argument) at fault. */
export function cliCases(): { args: string[]; flag: string }[] {
  const out: { args: string[]; flag: string }[] = [];
  for (const bad of [ZW, BIDI, CTRL, ' ', 'a'.repeat(200)]) {
    out.push({ args: ['approve', 'no-run', '--by', bad, '--plan-id', 'abc'], flag: '--by' });
    out.push({ args: ['reject', 'no-run', '--by', bad, '--reason', 'no'], flag: '--by' });
    out.push({ args: ['resolve', 'no-run', 'retry', '--by', bad], flag: '--by' });
    out.push({ args: ['failover', 'local-kafka', '--requested-by', bad], flag: '--requested-by' });
  }
  for (const ts of ['2026-01-31T12:00:00', 'yesterday', '2999-01-01T00:00:00Z'])
    out.push({
      args: ['failover', 'local-kafka', '--requested-by', 'alice', '--operator-timestamp', ts],
      flag: '--operator-timestamp',
    });
  for (const n of ['0', 'x', '-1', '1.5'])
    out.push({ args: ['failover', 'local-kafka', '--approvals', n], flag: '--approvals' });
  for (const n of ['11'])
    out.push({ args: ['failover', 'local-kafka', '--requested-by', 'alice', '--approvals', n], flag: '--approvals' });
  for (const d of ['maybe', 'TRUE']) out.push({ args: ['failover', 'local-kafka', '--drain', d], flag: '--drain' });
  for (const q of ['11m', 'soon'])
    out.push({
      args: ['failover', 'local-kafka', '--requested-by', 'alice', '--quiet-window', q],
      flag: '--quiet-window',
    });
  out.push({ args: ['failover', 'local-kafka', '--requested-by', 'alice', '--guard', '25h'], flag: '--guard' });
  out.push({
    args: ['failover', 'local-kafka', '--requested-by', 'alice', '--switchover-timeout', '1s'],
    flag: '--switchover-timeout',
  });
  out.push({ args: ['failover', 'local-kafka', '--groups', ','], flag: '--groups' });
  for (const p of ['has space', 'UPPER', '../x'])
    out.push({ args: ['approve', 'no-run', '--by', 'bob', '--plan-id', p], flag: '--plan-id' });
  out.push({
    args: ['approve', 'no-run', '--by', 'bob', '--plan-id', 'abc', '--comment', 'c\u200Bx'],
    flag: '--comment',
  });
  out.push({ args: ['reject', 'no-run', '--by', 'bob', '--reason', 'r\u0007'], flag: '--reason' });
  out.push({ args: ['resolve', 'no-run', 'retry', '--by', 'bob', '--step', 'Not A Step'], flag: '--step' });
  out.push({ args: ['resolve', 'no-run', 'restart', '--by', 'bob'], flag: 'restart' });
  out.push({ args: ['status', 'no-run', '--interval', '0'], flag: '--interval' });
  out.push({ args: ['approve', 'no-run'], flag: '--by' });
  return out;
}
