// What the secondary must have for the clients that follow the CNAME to be served as they were on the primary:
// the same SASL users, ACLs that allow at least as much (and deny no more), and topic settings that keep at least
// as much data and accept every record the primary accepted. Pure (no I/O, no Node built-ins): workflows import it.
//
// The peers replicate this with the data: MirrorMaker 2 (`sync.topic.configs`, `sync.topic.acls`, KIP-382),
// Confluent Cluster Linking (`acl.sync.enable`), MSK Replicator. Kafka's ACL semantics (pattern types, the
// operations that imply DESCRIBE) follow https://kafka.apache.org/documentation/#security_authz and KIP-290.
//
// "Equal enough", field by field (the secondary compared with the primary):
// - users: every primary user exists on the secondary with the same mechanism. Passwords are never read: a
//   user created by kdr takes its password from a named secret variable (userSecretVar). Extra users are fine.
// - ACLs: every primary ALLOW is covered by a secondary ALLOW that grants at least as much (same entry, or a
//   wildcard principal `User:*`, host `*`, operation ALL or one that implies it, resource `*` or a PREFIXED
//   pattern that contains the name). Every primary DENY must be on the secondary too (else the secondary lets in
//   what the primary keeps out). A secondary DENY that the primary lacks and that hits a primary ALLOW refuses
//   clients that were served: a gap, fixed by removing it (never done automatically).
// - retention.ms / retention.bytes: the secondary keeps at least as long / as much (-1 = infinite). Shorter is a
//   gap: replicated records keep their original timestamps, so a shorter retention deletes them on the secondary
//   before the primary would have, and a consumer that lags at failover finds its next records gone.
// - cleanup.policy: must match (as a set: "compact,delete" = "delete,compact"). compact on the secondary drops
//   the history a delete-topic consumer re-reads; delete on the secondary drops the last value of a key of a
//   changelog after retention (a state store rebuilt from it loses keys).
// - max.message.bytes (topic) and the instance's maximum message size: bigger on the secondary is fine, smaller
//   refuses the records (replicated or produced) the primary accepted (MESSAGE_TOO_LARGE).
// - partitions: must be equal. Fewer: records of the primary's partition p >= n have no partition p on the
//   secondary (replication keeps partition numbers). More is NOT fine either: producers pick a keyed record's
//   partition as hash(key) % count, so after failover a key's new records land in another partition than its
//   replicated history, and per-key order across the switch is lost (a compacted topic keeps two values of a key).
// - min.insync.replicas: must match. Higher refuses acks=all producers (NOT_ENOUGH_REPLICAS) whenever the
//   secondary's in-sync set is smaller; lower acknowledges writes held by fewer replicas than the application
//   was promised, so a broker loss on the secondary loses acknowledged data.
// - compression.type: must match, or the secondary keeps the producer's (`producer`). Another codec rewrites
//   every batch (a different stored size against retention.bytes) and zstd refuses consumers older than Kafka 2.1
//   (UNSUPPORTED_COMPRESSION_TYPE).
// - instance ACL on/off: must match. On where the primary has it off refuses every client without an ACL; off
//   where the primary has it on lets every client in (and ApsaraMQ creates SASL users only with ACL on).
// A field either side does not report (a provider that does not expose it) is not compared.

export const PARITY_CONFIG_NAMES = [
  'retention.ms',
  'retention.bytes',
  'cleanup.policy',
  'max.message.bytes',
  'min.insync.replicas',
  'compression.type',
] as const;
export type ParityConfigName = (typeof PARITY_CONFIG_NAMES)[number];

/** One ACL binding in Kafka's canonical spelling: TOPIC/GROUP/CLUSTER/TRANSACTIONAL_ID, LITERAL/PREFIXED, READ… */
export interface AclEntry {
  resourceType: string;
  resourceName: string;
  patternType: string;
  principal: string;
  operation: string;
  permission: string;
  host: string;
}

export interface TopicSettings {
  partitions: number;
  configs: Partial<Record<ParityConfigName, string>>;
}

export interface ParitySnapshot {
  users: { name: string; mechanism: string }[];
  acls: AclEntry[];
  topics: Record<string, TopicSettings>;
  instance?: { maxMessageBytes?: number; aclEnabled?: boolean };
}

/** What applying a gap does on the secondary; a gap without one is fixed by hand (its `fix`). */
export type ParityChange =
  | { op: 'create-user'; user: string; mechanism: string; secretVar: string }
  | { op: 'create-acl'; acl: AclEntry }
  | { op: 'set-topic-config'; topic: string; name: ParityConfigName; value: string }
  | { op: 'add-partitions'; topic: string; count: number }
  | { op: 'create-topic'; topic: string; partitions: number; configs: Partial<Record<ParityConfigName, string>> };

export interface ParityGap {
  kind: 'user' | 'acl' | 'topic-config' | 'topic-partitions' | 'instance';
  /** The user, the ACL (aclText), `topic/config`, the topic, or the instance setting. */
  item: string;
  primary?: string;
  secondary?: string;
  why: string;
  /** The exact command or setting that fixes it on the secondary. */
  fix: string;
  change?: ParityChange;
}

/** Where the fix commands point: a self-managed cluster (kafka-*.sh) or an ApsaraMQ instance (aliyun CLI). */
export type FixTarget =
  | { provider: 'kafka'; bootstrap: string; commandConfig?: string }
  | { provider: 'alikafka'; regionId: string; instanceId: string };

export interface CompareOptions {
  /** Only these topics (default: every topic of the primary snapshot). */
  topics?: string[];
  /** Where the fix commands point (default: a self-managed secondary, `<secondary-bootstrap>`). */
  target?: FixTarget;
}

/** The environment variable a user's password is read from when kdr creates the user (never stored). */
export function userSecretVar(user: string): string {
  return `KDR_SASL_PASSWORD_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const RESOURCE_TYPES: Record<string, string> = {
  topic: 'TOPIC',
  group: 'GROUP',
  cluster: 'CLUSTER',
  transactionalid: 'TRANSACTIONAL_ID',
  transactional_id: 'TRANSACTIONAL_ID',
  delegationtoken: 'DELEGATION_TOKEN',
  delegation_token: 'DELEGATION_TOKEN',
  user: 'USER',
};

function canonical(word: string): string {
  // IdempotentWrite → IDEMPOTENT_WRITE, DescribeConfigs → DESCRIBE_CONFIGS, read → READ.
  return word
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

/** Kafka's spelling of an ACL from any provider's (ApsaraMQ writes `Topic`, `IdempotentWrite`, `alice`). */
export function normalizeAcl(e: AclEntry): AclEntry {
  const principal = e.principal.includes(':') ? e.principal : `User:${e.principal}`;
  return {
    resourceType: RESOURCE_TYPES[e.resourceType.trim().toLowerCase()] ?? canonical(e.resourceType),
    resourceName: e.resourceName,
    patternType: canonical(e.patternType || 'LITERAL'),
    principal,
    operation: canonical(e.operation),
    permission: canonical(e.permission || 'ALLOW'),
    host: e.host || '*',
  };
}

export function aclText(e: AclEntry): string {
  const pattern = e.patternType === 'LITERAL' ? '' : ` (${e.patternType})`;
  return `${e.principal} ${e.permission} ${e.operation} ${e.resourceType}:${e.resourceName}${pattern} from ${e.host}`;
}

export function aclKey(e: AclEntry): string {
  const n = normalizeAcl(e);
  return [n.resourceType, n.resourceName, n.patternType, n.principal, n.operation, n.permission, n.host].join('\u0000');
}

/** Operations that imply DESCRIBE / DESCRIBE_CONFIGS (Kafka's AclAuthorizer and StandardAuthorizer). */
const IMPLIES: Record<string, string[]> = {
  DESCRIBE: ['READ', 'WRITE', 'DELETE', 'ALTER'],
  DESCRIBE_CONFIGS: ['ALTER_CONFIGS'],
};

function operationCovers(wide: string, narrow: string): boolean {
  return wide === narrow || wide === 'ALL' || (IMPLIES[narrow] ?? []).includes(wide);
}

/** Every resource name `narrow` matches is matched by `wide`. */
function resourceCovers(wide: AclEntry, narrow: AclEntry): boolean {
  if (wide.patternType === 'LITERAL' && wide.resourceName === '*') return true;
  if (wide.patternType === 'LITERAL')
    return narrow.patternType === 'LITERAL' && narrow.resourceName === wide.resourceName;
  if (wide.patternType === 'PREFIXED') {
    if (narrow.patternType === 'LITERAL' && narrow.resourceName === '*') return false;
    return narrow.resourceName.startsWith(wide.resourceName);
  }
  return false;
}

/** Some resource name is matched by both. */
function resourceOverlaps(a: AclEntry, b: AclEntry): boolean {
  const star = (e: AclEntry) => e.patternType === 'LITERAL' && e.resourceName === '*';
  if (star(a) || star(b)) return true;
  if (a.patternType === 'LITERAL' && b.patternType === 'LITERAL') return a.resourceName === b.resourceName;
  if (a.patternType === 'PREFIXED' && b.patternType === 'PREFIXED') {
    return a.resourceName.startsWith(b.resourceName) || b.resourceName.startsWith(a.resourceName);
  }
  const [lit, pre] = a.patternType === 'LITERAL' ? [a, b] : [b, a];
  return lit.resourceName.startsWith(pre.resourceName);
}

/** `wide` (same permission) grants or denies at least everything `narrow` does. */
export function aclCovers(wide: AclEntry, narrow: AclEntry): boolean {
  const w = normalizeAcl(wide);
  const n = normalizeAcl(narrow);
  return (
    w.permission === n.permission &&
    w.resourceType === n.resourceType &&
    (w.principal === n.principal || w.principal === 'User:*') &&
    (w.host === n.host || w.host === '*') &&
    operationCovers(w.operation, n.operation) &&
    resourceCovers(w, n)
  );
}

/** The DENY `deny` refuses some request the ALLOW `allow` grants. */
function denyHits(deny: AclEntry, allow: AclEntry): boolean {
  return (
    deny.resourceType === allow.resourceType &&
    (deny.principal === allow.principal || deny.principal === 'User:*' || allow.principal === 'User:*') &&
    (deny.host === allow.host || deny.host === '*' || allow.host === '*') &&
    (deny.operation === allow.operation || deny.operation === 'ALL' || allow.operation === 'ALL') &&
    resourceOverlaps(deny, allow)
  );
}

// --- the fix commands --------------------------------------------------------------------------------------

/** A word for a POSIX shell: left bare when safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._:/=@,+%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const DEFAULT_TARGET: FixTarget = { provider: 'kafka', bootstrap: '<secondary-bootstrap>' };

function kafkaBase(tool: string, t: Extract<FixTarget, { provider: 'kafka' }>): string {
  const cfg = t.commandConfig ? ` --command-config ${shellWord(t.commandConfig)}` : '';
  return `${tool} --bootstrap-server ${shellWord(t.bootstrap)}${cfg}`;
}

function aliyunBase(action: string, t: Extract<FixTarget, { provider: 'alikafka' }>): string {
  return `aliyun alikafka ${action} --RegionId ${shellWord(t.regionId)} --InstanceId ${shellWord(t.instanceId)}`;
}

/** ApsaraMQ spelling of Kafka's ACL words (the CreateAcl parameters of the official SDK models). */
const ALI_RESOURCE: Record<string, string> = {
  TOPIC: 'Topic',
  GROUP: 'Group',
  CLUSTER: 'Cluster',
  TRANSACTIONAL_ID: 'TransactionalId',
};
const ALI_OPERATION: Record<string, string> = {
  READ: 'Read',
  WRITE: 'Write',
  DESCRIBE: 'Describe',
  IDEMPOTENT_WRITE: 'IdempotentWrite',
  DESCRIBE_CONFIGS: 'DESCRIBE_CONFIGS',
};
export function alikafkaAclWords(e: AclEntry): { resourceType?: string; operation?: string } {
  return { resourceType: ALI_RESOURCE[e.resourceType], operation: ALI_OPERATION[e.operation] };
}

function kafkaOperationWord(op: string): string {
  return op
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

function kafkaResourceFlag(e: AclEntry): string {
  switch (e.resourceType) {
    case 'TOPIC':
      return `--topic ${shellWord(e.resourceName)}`;
    case 'GROUP':
      return `--group ${shellWord(e.resourceName)}`;
    case 'CLUSTER':
      return '--cluster';
    case 'TRANSACTIONAL_ID':
      return `--transactional-id ${shellWord(e.resourceName)}`;
    case 'DELEGATION_TOKEN':
      return `--delegation-token ${shellWord(e.resourceName)}`;
    default:
      return `--user-principal ${shellWord(e.resourceName)}`;
  }
}

function fixCreateUser(t: FixTarget, user: string, mechanism: string): string {
  const v = userSecretVar(user);
  if (t.provider === 'kafka') {
    return (
      `${kafkaBase('kafka-configs.sh', t)} --alter --entity-type users --entity-name ${shellWord(user)} ` +
      `--add-config "${mechanism}=[password=\${${v}}]"  (or parity "sync" with ${v} set)`
    );
  }
  const type = mechanism === 'PLAIN' ? 'plain' : 'scram';
  const mech = type === 'scram' ? ` --Mechanism ${shellWord(mechanism)}` : '';
  return (
    `${aliyunBase('CreateSaslUser', t)} --Username ${shellWord(user)} --Type ${type}${mech} ` +
    `--Password "\${${v}}"  (or parity "sync" with ${v} set)`
  );
}

function fixAcl(t: FixTarget, e: AclEntry, remove = false): string {
  if (t.provider === 'kafka') {
    const who = e.permission === 'DENY' ? '--deny' : '--allow';
    return (
      `${kafkaBase('kafka-acls.sh', t)} ${remove ? '--remove --force' : '--add'} ${who}-principal ${shellWord(e.principal)} ` +
      `${who}-host ${shellWord(e.host)} --operation ${kafkaOperationWord(e.operation)} ${kafkaResourceFlag(e)} ` +
      `--resource-pattern-type ${e.patternType.toLowerCase()}`
    );
  }
  const w = alikafkaAclWords(e);
  const user = e.principal.replace(/^User:/, '');
  const args =
    `--Username ${shellWord(user)} --AclResourceType ${w.resourceType ?? e.resourceType} ` +
    `--AclResourceName ${shellWord(e.resourceName)} --AclResourcePatternType ${e.patternType} ` +
    `--AclOperationType ${w.operation ?? e.operation}`;
  const extra =
    e.permission === 'ALLOW' && e.host === '*'
      ? ''
      : ` --AclPermissionType ${e.permission} --Host ${shellWord(e.host)}`;
  return `${aliyunBase(remove ? 'DeleteAcl' : 'CreateAcl', t)} ${args}${extra}`;
}

function fixTopicConfig(t: FixTarget, topic: string, name: ParityConfigName, value: string): string {
  if (t.provider === 'kafka') {
    return (
      `${kafkaBase('kafka-configs.sh', t)} --alter --entity-type topics --entity-name ${shellWord(topic)} ` +
      `--add-config ${shellWord(`${name}=${value}`)}`
    );
  }
  return `${aliyunBase('UpdateTopicConfig', t)} --Topic ${shellWord(topic)} --Config ${name} --Value ${shellWord(value)}`;
}

// --- the comparison ----------------------------------------------------------------------------------------

function amount(v: string): number {
  const n = Number(v);
  return n < 0 ? Infinity : n;
}

const atLeast = (p: string, s: string) => {
  const [a, b] = [amount(p), amount(s)];
  return Number.isNaN(a) || Number.isNaN(b) ? p.trim() === s.trim() : b >= a;
};
const asSet = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean)
    .sort()
    .join(',');

const CONFIG_RULES: Record<ParityConfigName, { ok: (p: string, s: string) => boolean; why: string }> = {
  'retention.ms': {
    ok: atLeast,
    why: 'shorter retention on the secondary: replicated records keep their timestamps and are deleted sooner',
  },
  'retention.bytes': {
    ok: atLeast,
    why: 'smaller retention.bytes on the secondary: it deletes records the primary still keeps',
  },
  'cleanup.policy': {
    ok: (p, s) => asSet(p) === asSet(s),
    why: 'a different cleanup.policy keeps different records (compaction drops history, delete drops last values)',
  },
  'max.message.bytes': {
    ok: atLeast,
    why: 'smaller max.message.bytes on the secondary refuses records the primary accepted (MESSAGE_TOO_LARGE)',
  },
  'min.insync.replicas': {
    ok: (p, s) => p.trim() === s.trim(),
    why:
      'a different min.insync.replicas: higher refuses acks=all producers (NOT_ENOUGH_REPLICAS), ' +
      'lower acknowledges writes fewer replicas hold',
  },
  'compression.type': {
    ok: (p, s) => p.trim().toLowerCase() === s.trim().toLowerCase() || s.trim().toLowerCase() === 'producer',
    why: 'another codec on the secondary rewrites every batch (zstd refuses consumers older than Kafka 2.1)',
  },
};

function compareUsers(p: ParitySnapshot, s: ParitySnapshot, t: FixTarget): ParityGap[] {
  const gaps: ParityGap[] = [];
  const has = new Set(s.users.map((u) => `${u.name}\u0000${u.mechanism.toUpperCase()}`));
  const seen = new Set<string>();
  for (const u of p.users) {
    const mechanism = u.mechanism.toUpperCase();
    const key = `${u.name}\u0000${mechanism}`;
    if (has.has(key) || seen.has(key)) continue;
    seen.add(key);
    const other = s.users.filter((x) => x.name === u.name).map((x) => x.mechanism.toUpperCase());
    gaps.push({
      kind: 'user',
      item: u.name,
      primary: mechanism,
      secondary: other.length > 0 ? other.join(',') : 'missing',
      why:
        other.length > 0
          ? `user ${u.name} has no ${mechanism} credential on the secondary: its clients fail authentication`
          : `user ${u.name} does not exist on the secondary: its clients fail authentication after a failover`,
      fix: fixCreateUser(t, u.name, mechanism),
      change: { op: 'create-user', user: u.name, mechanism, secretVar: userSecretVar(u.name) },
    });
  }
  return gaps;
}

function compareAcls(p: ParitySnapshot, s: ParitySnapshot, t: FixTarget): ParityGap[] {
  const gaps: ParityGap[] = [];
  const primary = dedupe(p.acls.map(normalizeAcl));
  const secondary = dedupe(s.acls.map(normalizeAcl));
  for (const a of primary) {
    if (secondary.some((b) => aclCovers(b, a))) continue;
    const deny = a.permission === 'DENY';
    gaps.push({
      kind: 'acl',
      item: aclText(a),
      primary: 'present',
      secondary: 'missing',
      why: deny
        ? `the secondary lacks this DENY: it lets ${a.principal} do what the primary refuses`
        : `the secondary lacks this ACL: ${a.principal} is refused ${a.operation} on ${a.resourceType} ${a.resourceName}`,
      fix: fixAcl(t, a),
      change: { op: 'create-acl', acl: a },
    });
  }
  for (const d of secondary) {
    if (d.permission !== 'DENY' || primary.some((x) => aclCovers(x, d))) continue;
    const hit = primary.find((a) => a.permission === 'ALLOW' && denyHits(d, a));
    if (!hit) continue;
    gaps.push({
      kind: 'acl',
      item: aclText(d),
      primary: 'missing',
      secondary: 'present',
      why: `this DENY exists only on the secondary and refuses what the primary allows (${aclText(hit)})`,
      fix: fixAcl(t, d, true),
    });
  }
  return gaps;
}

function dedupe(acls: AclEntry[]): AclEntry[] {
  const m = new Map<string, AclEntry>();
  for (const a of acls) m.set(aclKey(a), a);
  return [...m.values()];
}

function compareTopic(name: string, p: TopicSettings, s: TopicSettings | undefined, t: FixTarget): ParityGap[] {
  if (!s) {
    const create =
      t.provider === 'kafka'
        ? `${kafkaBase('kafka-topics.sh', t)} --create --topic ${shellWord(name)} --partitions ${p.partitions}` +
          Object.entries(p.configs)
            .map(([k, v]) => ` --config ${shellWord(`${k}=${v}`)}`)
            .join('')
        : `${aliyunBase('CreateTopic', t)} --Topic ${shellWord(name)} --PartitionNum ${p.partitions} --Remark kdr`;
    return [
      {
        kind: 'topic-partitions',
        item: name,
        primary: `${p.partitions} partitions`,
        secondary: 'missing',
        why: `topic ${name} does not exist on the secondary: nothing is replicated into it and its clients are refused`,
        fix: create,
        change: { op: 'create-topic', topic: name, partitions: p.partitions, configs: { ...p.configs } },
      },
    ];
  }
  const gaps: ParityGap[] = [];
  if (p.partitions !== s.partitions) {
    const fewer = s.partitions < p.partitions;
    gaps.push({
      kind: 'topic-partitions',
      item: name,
      primary: String(p.partitions),
      secondary: String(s.partitions),
      why: fewer
        ? `the secondary has fewer partitions: records of partitions ${s.partitions}..${p.partitions - 1} have nowhere to go`
        : 'the secondary has more partitions: keyed records land in other partitions after a failover (per-key order lost)',
      fix: fewer
        ? t.provider === 'kafka'
          ? `${kafkaBase('kafka-topics.sh', t)} --alter --topic ${shellWord(name)} --partitions ${p.partitions}`
          : `${aliyunBase('ModifyPartitionNum', t)} --Topic ${shellWord(name)} --AddPartitionNum ${p.partitions - s.partitions}`
        : `partitions cannot be removed: recreate ${name} on the secondary with ${p.partitions} partitions before replicating`,
      change: fewer ? { op: 'add-partitions', topic: name, count: p.partitions } : undefined,
    });
  }
  for (const key of PARITY_CONFIG_NAMES) {
    const pv = p.configs[key];
    const sv = s.configs[key];
    if (pv === undefined || sv === undefined) continue;
    if (CONFIG_RULES[key].ok(pv, sv)) continue;
    gaps.push({
      kind: 'topic-config',
      item: `${name}/${key}`,
      primary: pv,
      secondary: sv,
      why: CONFIG_RULES[key].why,
      fix: fixTopicConfig(t, name, key, pv),
      change: { op: 'set-topic-config', topic: name, name: key, value: pv },
    });
  }
  return gaps;
}

function compareInstance(p: ParitySnapshot, s: ParitySnapshot, t: FixTarget): ParityGap[] {
  const gaps: ParityGap[] = [];
  const pi = p.instance ?? {};
  const si = s.instance ?? {};
  if (pi.maxMessageBytes !== undefined && si.maxMessageBytes !== undefined && si.maxMessageBytes < pi.maxMessageBytes) {
    gaps.push({
      kind: 'instance',
      item: 'maxMessageBytes',
      primary: String(pi.maxMessageBytes),
      secondary: String(si.maxMessageBytes),
      why: 'the secondary instance accepts smaller messages: records the primary accepted are refused',
      fix:
        t.provider === 'kafka'
          ? `${kafkaBase('kafka-configs.sh', t)} --alter --entity-type brokers --entity-default ` +
            `--add-config message.max.bytes=${pi.maxMessageBytes}`
          : `ApsaraMQ console, instance ${t.instanceId}: set the maximum message size to ${pi.maxMessageBytes} bytes`,
    });
  }
  if (pi.aclEnabled !== undefined && si.aclEnabled !== undefined && pi.aclEnabled !== si.aclEnabled) {
    gaps.push({
      kind: 'instance',
      item: 'aclEnabled',
      primary: String(pi.aclEnabled),
      secondary: String(si.aclEnabled),
      why: si.aclEnabled
        ? 'ACLs are enforced only on the secondary: every client without an ACL there is refused'
        : 'ACLs are off on the secondary: every client is let in (and ApsaraMQ creates SASL users only with ACL on)',
      fix:
        t.provider === 'kafka'
          ? `secondary brokers: ${si.aclEnabled ? 'remove' : 'set'} ` +
            'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer (rolling restart)'
          : `ApsaraMQ console, instance ${t.instanceId}: ${si.aclEnabled ? 'disable' : 'enable'} ACL`,
    });
  }
  return gaps;
}

/**
 * Every way the secondary would serve the primary's clients worse, each with the exact fix. Users, ACLs and the
 * instance first (they refuse clients), then the topics in name order. Deterministic for equal inputs.
 */
export function compareParity(
  primary: ParitySnapshot,
  secondary: ParitySnapshot,
  opts: CompareOptions = {},
): ParityGap[] {
  const t = opts.target ?? DEFAULT_TARGET;
  const topics = [...(opts.topics ?? Object.keys(primary.topics))].sort();
  const gaps = [
    ...compareUsers(primary, secondary, t),
    ...compareAcls(primary, secondary, t),
    ...compareInstance(primary, secondary, t),
  ];
  for (const name of topics) {
    const p = primary.topics[name];
    if (!p) continue; // not on the primary: nothing the clients rely on
    gaps.push(...compareTopic(name, p, secondary.topics[name], t));
  }
  return gaps;
}

/** One line per kind, for a plan or a notification: "2 users, 14 ACLs missing on the secondary". */
export function summarizeGaps(gaps: ParityGap[]): string {
  if (gaps.length === 0) return 'in parity';
  const count = (k: ParityGap['kind']) => gaps.filter((g) => g.kind === k).length;
  const parts = [
    [count('user'), 'user'],
    [count('acl'), 'ACL'],
    [count('topic-config'), 'topic config'],
    [count('topic-partitions'), 'topic partition count'],
    [count('instance'), 'instance setting'],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, w]) => `${n} ${w}${n === 1 ? '' : 's'}`)
    .join(', ')
    .concat(' differ on the secondary');
}

/** The principals (applications) an ACL or user gap would refuse: for the approver's "X and Y will be refused". */
export function refusedPrincipals(gaps: ParityGap[]): string[] {
  const out = new Set<string>();
  for (const g of gaps) {
    if (g.change?.op === 'create-user') out.add(`User:${g.change.user}`);
    if (g.change?.op === 'create-acl' && g.change.acl.permission === 'ALLOW') out.add(g.change.acl.principal);
    if (g.kind === 'acl' && g.secondary === 'present') out.add(g.item.split(' ')[0]);
  }
  return [...out].sort();
}
