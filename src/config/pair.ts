// A DR pair: the primary and secondary clusters, how messages are replicated between them, the DNS name clients
// bootstrap from, and the consumer groups that move on failover. Pure (zod only): workflows import it.
import { z } from 'zod';
import { DeadlinesSchema, unknownStep } from './deadlines';
import { selector } from './safe-pattern';
import {
  crossCheck,
  duration,
  hostName,
  hostPort,
  httpUrl,
  integer,
  listOf,
  matching,
  noConfigReference,
  oneOf,
  regexPattern,
  resolverAddress,
  text,
} from './fields';
import { DEFAULT_PAIR_APPROVAL, PairApprovalSchema } from './approval';
import { NotifySchema } from './notify';
import { DEFAULT_PARITY, ParitySchema } from './parity';
import { AutoFailoverSchema, DEFAULT_AUTO_FAILOVER } from './auto-failover';
import { parseDuration } from './duration';
import { SecuritySchema } from './security';

export const PAIR_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const PAIR_NAME_EXPECTED =
  'expected a lowercase name of letters, digits and "-" (at most 63; it becomes part of workflow ids and connector names)';

export const PROVIDERS = ['apsaramq', 'kafka'] as const;
export const REPLICATION_PROVIDERS = ['eventbridge', 'kafka-connect'] as const;

export { SecuritySchema } from './security';

export const ClusterSchema = z.strictObject({
  provider: oneOf(PROVIDERS),
  region: matching(/^[a-z]{2,}(?:-[a-z0-9]+)+$/, 'expected an Alibaba Cloud region id, e.g. cn-hangzhou').optional(),
  /** The zone the cluster lives in (kdr evacuate --zone); ApsaraMQ instances without it are asked (GetInstanceList ZoneId). */
  zone: matching(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a zone id, e.g. cn-hangzhou-k').optional(),
  instanceId: matching(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{2,127}$/,
    'expected an ApsaraMQ for Kafka instance id, e.g. alikafka_pre-cn-xxxx',
  ).optional(),
  bootstrapServers: listOf(hostPort(), 'host:port bootstrap servers'),
  endpointHost: hostName('the host name the CNAME should point at for this side'),
  security: SecuritySchema.optional(),
});

/** Names a selection may list; more groups or topics than this are selected with a pattern. */
export const MAX_SELECTION = 10_000;

/** A list of names, or every name matching a regular expression. */
export function selection(what: string) {
  return z.union(
    [
      listOf(noConfigReference(text(`a ${what} name`)), `${what} names`, 1, MAX_SELECTION),
      z.strictObject({ pattern: noConfigReference(regexPattern()) }),
    ],
    { error: `expected a list of ${what} names or { "pattern": "<regular expression>" }` },
  );
}

export const ThresholdsSchema = z.strictObject({
  /** Per-partition end-offset difference (primary minus secondary) still accepted as "caught up". */
  maxLagRecords: integer(0, 1_000_000_000).default(1_000),
  /** Highest accepted canary replication latency. */
  maxLatencyMs: integer(1, 3_600_000).default(30_000),
  /** How long connector-verify waits for its canary records on the secondary. */
  canaryTimeoutMs: integer(1, 3_600_000).default(120_000),
  canaryRecords: integer(1, 1_000).default(10),
  /** Bound on waiting for a new connector to reach RUNNING. */
  connectorReadyTimeoutMs: integer(1, 86_400_000).default(600_000),
});

export const ReplicationSchema = z.strictObject({
  provider: oneOf(REPLICATION_PROVIDERS),
  topics: selection('topic'),
  canaryTopic: text('a topic name'),
  connectUrl: httpUrl().optional(),
  thresholds: ThresholdsSchema.default(ThresholdsSchema.parse({})),
});

export const DnsSchema = z.strictObject({
  provider: oneOf(['alidns']),
  domain: hostName('a domain name, e.g. example.com'),
  rr: matching(
    /^(?:@|\*|[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*)$/,
    'expected a host record (RR) such as "kafka" or "kafka.dr"',
  ),
  ttl: integer(1, 86_400),
  resolvers: listOf(resolverAddress(), 'DNS resolvers (ip[:port])'),
});

/** drWatch (workflows/dr-watch.ts): how often it measures replication health and snapshots the groups' positions. */
export const WatchSchema = z.strictObject({
  /** Between two snapshots: a failover from snapshots re-reads at most about this much of each group's traffic. */
  interval: duration(1_000, 3_600_000).default(5_000),
  /** Between two canary round trips (each writes a few records to the canary topic). */
  canaryEvery: duration(10_000, 86_400_000).default(300_000),
  /**
   * Between two parity comparisons (users, ACLs, topic configs): on ApsaraMQ each is a dozen or more API calls, which
   * count against the account's API rate limit, while drift (someone adding a user) is rare. A cached comparison
   * stands in between.
   */
  parityEvery: duration(1_000, 86_400_000).default(60_000),
});

const PairObject = z.strictObject({
  name: matching(PAIR_NAME, PAIR_NAME_EXPECTED),
  primary: ClusterSchema,
  secondary: ClusterSchema,
  replication: ReplicationSchema,
  dns: DnsSchema,
  /** Omitted: every group with committed offsets on the replicated topics. */
  groups: selection('consumer group').default({ pattern: '.*' }),
  /** Who must approve a failover of this pair, and how they prove who they are. Runs may only tighten it. */
  approval: PairApprovalSchema.default(DEFAULT_PAIR_APPROVAL),
  watch: WatchSchema.default(WatchSchema.parse({})),
  /** Who is paged about approvals, blocked steps, run ends and health changes (src/config/notify.ts). */
  notify: NotifySchema.default([]),
  /** Per step: how long its activities retry before the step blocks (src/config/deadlines.ts); the runbook's default otherwise. */
  deadlines: DeadlinesSchema.default({}),
  /** SASL users, ACLs and topic configs the secondary must share with the primary (src/config/parity.ts). */
  parity: ParitySchema.default(DEFAULT_PARITY),
  /** When drWatch may start a failover without a person (src/config/auto-failover.ts); off by default. */
  autoFailover: AutoFailoverSchema.default(DEFAULT_AUTO_FAILOVER),
  /** drEvacuate: the order pairs are failed over in an evacuation (tier 1 first); omitted = the last tier. */
  tier: integer(1, 9).optional(),
  /** drEvacuate: names to select pairs by (kdr evacuate --label). */
  labels: listOf(
    matching(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a label of lowercase letters, digits, ".", "_", "-"'),
    'labels',
    1,
    20,
  ).optional(),
});

type PairDraft = z.input<typeof PairObject>;

const CheckedPair = PairObject.check(
  crossCheck<PairDraft>((p, report) => {
    for (const side of ['primary', 'secondary'] as const) {
      const c = p[side];
      if (!c || typeof c !== 'object' || c.provider !== 'apsaramq') continue;
      if (c.instanceId === undefined)
        report([side, 'instanceId'], 'required for provider "apsaramq": the ApsaraMQ for Kafka instance id');
      if (c.region === undefined)
        report([side, 'region'], 'required for provider "apsaramq": the region id of the instance, e.g. cn-hangzhou');
    }
    if (p.deadlines && typeof p.deadlines === 'object') {
      for (const step of Object.keys(p.deadlines)) {
        const problem = unknownStep(step);
        if (problem) report(['deadlines', step], problem);
      }
    }
    const auto = p.autoFailover;
    if (auto && typeof auto === 'object' && auto.enabled === true) {
      if (auto.probes?.cloud === true && p.primary?.provider !== 'apsaramq')
        report(
          ['autoFailover', 'probes', 'cloud'],
          'only for an ApsaraMQ primary (the cloud API reports its instance status): set false or remove it',
        );
      // Parsed values when the fields were valid, raw ones otherwise: parseDuration reads both.
      const every = p.watch === undefined ? 5_000 : parseDuration(p.watch.interval ?? 5_000);
      const after = parseDuration(auto.after ?? 300_000);
      if (every !== undefined && after !== undefined && after < 3 * every)
        report(
          ['autoFailover', 'after'],
          `must cover at least 3 watch checks (watch.interval is ${every} ms): raise it to ${3 * every} ms or more`,
        );
    }
    const { primary, secondary, replication } = p;
    if (
      primary?.provider === 'apsaramq' &&
      secondary?.provider === 'apsaramq' &&
      typeof primary.region === 'string' &&
      primary.region === secondary.region
    ) {
      report(
        ['secondary', 'region'],
        `must differ from primary.region ("${primary.region}"): single-zone DR needs the secondary in another region`,
      );
    }
    if (primary?.endpointHost !== undefined && primary.endpointHost === secondary?.endpointHost) {
      report(
        ['secondary', 'endpointHost'],
        'must differ from primary.endpointHost: the CNAME switch would change nothing',
      );
    }
    if (replication && typeof replication === 'object') {
      if (replication.provider === 'eventbridge') {
        for (const side of ['primary', 'secondary'] as const) {
          const provider = p[side]?.provider;
          if (provider !== undefined && provider !== 'apsaramq') {
            report(
              [side, 'provider'],
              `replication "eventbridge" needs "apsaramq" on both sides; use replication.provider "kafka-connect" for self-managed Kafka`,
            );
          }
        }
        if (replication.connectUrl !== undefined)
          report(['replication', 'connectUrl'], 'only used with replication.provider "kafka-connect": remove it');
      }
      if (replication.provider === 'kafka-connect' && replication.connectUrl === undefined) {
        report(
          ['replication', 'connectUrl'],
          'required for replication.provider "kafka-connect": the Kafka Connect REST URL, e.g. http://127.0.0.1:8083',
        );
      }
    }
  }),
);

/** A pair config: validated field by field, then typed by provider (the checks above guarantee what the type says). */
export const PairConfigSchema = CheckedPair.transform((p) => p as PairConfig);

type ParsedCluster = z.output<typeof ClusterSchema>;
/** Self-managed Kafka: reached by its bootstrap servers only. */
export type KafkaCluster = ParsedCluster & { provider: 'kafka' };
/** An ApsaraMQ for Kafka instance: the cross-check above makes region and instance id required, so the type does too. */
export type ApsaraMqCluster = ParsedCluster & { provider: 'apsaramq'; region: string; instanceId: string };
/** One side of a pair, discriminated by provider (`cluster.provider === 'apsaramq'` gives region and instance id). */
export type ClusterConfig = KafkaCluster | ApsaraMqCluster;
export type PairConfig = Omit<z.output<typeof CheckedPair>, 'primary' | 'secondary'> & {
  primary: ClusterConfig;
  secondary: ClusterConfig;
};
/** What an operator writes: defaults may be left out. */
export type PairConfigInput = z.input<typeof PairConfigSchema>;
export type Selection = PairConfig['groups'];

/** True when `name` is selected by a list or pattern (patterns match the whole name). */
export function selects(selection: Selection, name: string): boolean {
  // Compiled once per selection (safe-pattern.ts): a Set for lists, a linear-time automaton for patterns.
  return selector(selection)(name);
}

/** The fully qualified name clients bootstrap from, e.g. kafka.kdr.test. */
export function customDomain(pair: Pick<PairConfig, 'dns'>): string {
  return pair.dns.rr === '@' ? pair.dns.domain : `${pair.dns.rr}.${pair.dns.domain}`;
}
