// The comparison: every way the secondary would serve the primary's clients worse, field by field (the rules are
// explained in src/parity/model.ts). Pure: workflows import it.
import { aclCovers, aclText, dedupe, denyHits, normalizeAcl } from './acl';
import {
  aliyunBase,
  DEFAULT_TARGET,
  fixAcl,
  fixCreateUser,
  fixTopicConfig,
  kafkaBase,
  shellWord,
  type FixTarget,
} from './fix';
import { userSecretVar, type ParityGap } from './gap';
import { PARITY_CONFIG_NAMES, type ParityConfigName, type ParitySnapshot, type TopicSettings } from './snapshot';

export interface CompareOptions {
  /** Only these topics (default: every topic of the primary snapshot). */
  topics?: string[];
  /** Where the fix commands point (default: a self-managed secondary, `<secondary-bootstrap>`). */
  target?: FixTarget;
}

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
