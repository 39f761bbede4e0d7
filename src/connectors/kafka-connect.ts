// MirrorMaker 2 on a Kafka Connect cluster, driven through the Connect REST API. Two connectors per pair:
// MirrorSourceConnector (records) and MirrorCheckpointConnector (group offset checkpoints on the secondary).
// No heartbeat connector: it writes to the source cluster, which a Connect cluster next to the secondary
// should not depend on, and the canary in connector-verify proves the data flow better.
import { matchTopics, partitionOffsets, tpKey, type AdminSession } from '../kafka/admin';
import type { ClusterSecurity } from '../kafka/clients';
import {
  ReplicationSpecError,
  type EnsureResult,
  type PartitionLag,
  type ReplicationEndpoint,
  type ReplicationLag,
  type ReplicationPairSpec,
  type ReplicationProvider,
  type ReplicationStatus,
  type ReplicationTask,
} from './types';
import { KdrError } from '../errors';
import { compilePattern } from '../config/safe-pattern';
import { excerpt } from '../security/redact';

export const SOURCE_ALIAS = 'primary';
export const TARGET_ALIAS = 'secondary';
const MIRROR = 'org.apache.kafka.connect.mirror';
const BYTES = 'org.apache.kafka.connect.converters.ByteArrayConverter';

export class ConnectApiError extends KdrError {
  override name = 'ConnectApiError';
  /** Connect answers 4xx for a bad connector config (permanent) and 5xx or 409 while it rebalances (transient). */
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    const s = status ?? 0;
    this.retryable = s === 0 || s >= 500 || s === 409;
  }
}

export interface KafkaConnectOptions {
  /** Kafka Connect REST base URL, e.g. http://127.0.0.1:8083. */
  url: string;
  /** Per-request timeout, ms (default 10000). */
  timeoutMs?: number;
}

export function connectorNames(pair: string): { source: string; checkpoint: string } {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/.test(pair)) {
    throw new ReplicationSpecError(`pair name "${pair}" cannot name a connector: use letters, digits, ".", "_" or "-"`);
  }
  return { source: `kdr-${pair}-mm2-source`, checkpoint: `kdr-${pair}-mm2-checkpoint` };
}

function listOrPattern(v: string[] | { pattern: string } | undefined, what: string): string {
  if (v === undefined) return '.*';
  if (Array.isArray(v)) {
    if (v.length === 0)
      throw new ReplicationSpecError(`${what} is an empty list: name at least one, or give { "pattern": "..." }`);
    // MM2 reads the list as comma-separated regexes; escape so names match literally.
    return v.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(',');
  }
  if (!v.pattern) throw new ReplicationSpecError(`${what}.pattern is empty`);
  return v.pattern;
}

/** Client settings for one side, with SASL secrets left to Connect's EnvVarConfigProvider (`${env:NAME}`). */
function clientSettings(prefix: string, e: ReplicationEndpoint): Record<string, string> {
  const out: Record<string, string> = { [`${prefix}.bootstrap.servers`]: e.bootstrapServers.join(',') };
  const s: ClusterSecurity | undefined = e.security;
  if (!s || s.protocol === 'plaintext') return out;
  out[`${prefix}.security.protocol`] = s.protocol.toUpperCase();
  if (s.caFile && (s.protocol === 'ssl' || s.protocol === 'sasl_ssl')) {
    // The same path on the Connect worker's host: a PEM trust store needs no password (KIP-651).
    out[`${prefix}.ssl.truststore.type`] = 'PEM';
    out[`${prefix}.ssl.truststore.location`] = s.caFile;
  }
  if (s.protocol === 'sasl_plaintext' || s.protocol === 'sasl_ssl') {
    if (!s.usernameEnv || !s.passwordEnv) {
      throw new ReplicationSpecError(
        `${prefix}: SASL needs security.usernameEnv and security.passwordEnv (environment variable names)`,
      );
    }
    const mech = (s.mechanism ?? 'plain').toUpperCase();
    const module =
      mech === 'PLAIN'
        ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
        : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    out[`${prefix}.sasl.mechanism`] = mech;
    // The worker resolves these from its own environment (config.providers=env); no secret is stored.
    out[`${prefix}.sasl.jaas.config`] =
      `${module} required username="\${env:${s.usernameEnv}}" password="\${env:${s.passwordEnv}}";`;
  }
  return out;
}

/** The two connector configs for a pair (pure; what `ensure` PUTs). */
export function mirrorConfigs(spec: ReplicationPairSpec): {
  source: Record<string, string>;
  checkpoint: Record<string, string>;
} {
  if (!spec.primary?.bootstrapServers?.length) throw new ReplicationSpecError('primary.bootstrapServers is empty');
  if (!spec.secondary?.bootstrapServers?.length) throw new ReplicationSpecError('secondary.bootstrapServers is empty');
  const rf = String(spec.replicationFactor ?? 3);
  const common: Record<string, string> = {
    'source.cluster.alias': SOURCE_ALIAS,
    'target.cluster.alias': TARGET_ALIAS,
    ...clientSettings('source.cluster', spec.primary),
    ...clientSettings('target.cluster', spec.secondary),
    // Connect writes the connectors' records with its worker's producer, to the cluster Connect lives on;
    // target.cluster.* reaches only MM2's admin and offset-sync clients. Without this, a Connect cluster that
    // is not on the secondary copied the topics into its own cluster while every status said "running".
    ...clientSettings('producer.override', spec.secondary),
    'replication.policy.class': `${MIRROR}.IdentityReplicationPolicy`,
    topics: listOrPattern(spec.topics, 'topics'),
    'key.converter': BYTES,
    'value.converter': BYTES,
    'header.converter': BYTES,
    // Offset syncs next to the checkpoints on the secondary, so translation does not need the primary.
    'offset-syncs.topic.location': 'target',
    'offset-syncs.topic.replication.factor': rf,
    'tasks.max': '4',
  };
  const source = {
    'connector.class': `${MIRROR}.MirrorSourceConnector`,
    ...common,
    'replication.factor': rf,
    // A sync every 10 records at most: bounds MM2's translation slack (KIP-382, MirrorMaker 2.0: a checkpoint uses the newest offset sync at or before the group's offset).
    'offset.lag.max': '10',
    'refresh.topics.interval.seconds': '10',
    'sync.topic.acls.enabled': 'false',
    ...spec.extra,
  };
  const checkpoint = {
    'connector.class': `${MIRROR}.MirrorCheckpointConnector`,
    ...common,
    groups: listOrPattern(spec.groups, 'groups'),
    'emit.checkpoints.interval.seconds': '5',
    'refresh.groups.interval.seconds': '10',
    // kafka-dr resets group offsets itself, after a human approved the plan.
    'sync.group.offsets.enabled': 'false',
    'checkpoints.topic.replication.factor': rf,
    ...spec.extra,
  };
  // Connect expands ${provider:...} in any value: only the SASL settings kafka-dr writes itself may hold one.
  for (const [name, config] of [
    ['source', source],
    ['checkpoint', checkpoint],
  ] as const) {
    for (const [key, value] of Object.entries(config)) {
      if (value.includes('${') && !key.endsWith('.sasl.jaas.config')) {
        throw new ReplicationSpecError(
          `${name} connector setting ${key} contains "\${", which Kafka Connect would expand: remove it from the pair's config`,
        );
      }
    }
  }
  return { source, checkpoint };
}

interface ConnectStatus {
  name: string;
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

/** A task's trace as stored in a step's error: the root cause's line only, redacted and capped (src/security/redact.ts). */
function firstLine(trace: string | undefined): string | undefined {
  if (!trace) return undefined;
  const lines = trace
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // The root cause ("Caused by: ...") says more than the wrapper on the first line.
  const caused = lines.filter((l) => l.startsWith('Caused by:')).pop();
  return excerpt(caused ?? lines[0] ?? '', [], 300);
}

export class KafkaConnectClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(options: KafkaConnectOptions) {
    if (!/^https?:\/\//.test(options.url))
      throw new ReplicationSpecError(`Kafka Connect url "${options.url}" must start with http:// or https://`);
    // What fetch reads differently from how it looks (src/config/fields.ts httpUrl): refused here too.
    if (/[\\#?@]/.test(options.url) || /^https?:\/\/[^/]*%/.test(options.url)) {
      throw new ReplicationSpecError(
        'Kafka Connect url must be http(s)://host[:port][/path]: no "\\", "#", "?", "@" or %-encoded host',
      );
    }
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10000;
  }

  /**
   * JSON request. While Connect rebalances (after any connector is created or deleted, by anyone) it answers
   * 409, or 500 "a rebalance is expected": both are retried for up to ~15 s. Returns undefined on 404.
   */
  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T | undefined }> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers:
            body === undefined
              ? { accept: 'application/json' }
              : { 'content-type': 'application/json', accept: 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
        throw new ConnectApiError(
          `Kafka Connect at ${this.base} did not answer ${method} ${path}: ${excerpt(cause ?? (err as Error).message)}`,
        );
      }
      const text = await res.text();
      const rebalancing = res.status === 409 || (res.status === 500 && /rebalance/i.test(text));
      if (rebalancing && attempt < 8) {
        await new Promise((r) => setTimeout(r, 250 * 2 ** Math.min(attempt, 4)));
        continue;
      }
      if (res.status === 404) return { status: 404, body: undefined };
      if (res.status >= 400) {
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          /* plain text */
        }
        // Stored in the step's error (history): never the answer as it came, which may quote configs or traces.
        throw new ConnectApiError(
          `Kafka Connect ${method} ${path} failed with ${res.status}: ${excerpt(message, [], 300)}`,
          res.status,
        );
      }
      return { status: res.status, body: text ? (JSON.parse(text) as T) : undefined };
    }
  }

  async getConfig(name: string): Promise<Record<string, string> | undefined> {
    return (await this.request<Record<string, string>>('GET', `/connectors/${encodeURIComponent(name)}/config`)).body;
  }

  async putConfig(name: string, config: Record<string, string>): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
  }

  async status(name: string): Promise<ConnectStatus | undefined> {
    return (await this.request<ConnectStatus>('GET', `/connectors/${encodeURIComponent(name)}/status`)).body;
  }

  async pause(name: string): Promise<boolean> {
    return (await this.request('PUT', `/connectors/${encodeURIComponent(name)}/pause`)).status !== 404;
  }

  async resume(name: string): Promise<boolean> {
    return (await this.request('PUT', `/connectors/${encodeURIComponent(name)}/resume`)).status !== 404;
  }

  async restartFailed(name: string): Promise<void> {
    await this.request('POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
  }

  async remove(name: string): Promise<boolean> {
    return (await this.request('DELETE', `/connectors/${encodeURIComponent(name)}`)).status !== 404;
  }

  /** STOPPED (KIP-875): no tasks, configuration kept; the state in which a connector's offsets may be changed. */
  async stop(name: string): Promise<boolean> {
    return (await this.request('PUT', `/connectors/${encodeURIComponent(name)}/stop`)).status !== 404;
  }

  /**
   * Sets (or with `offset: null` removes) a stopped source connector's stored positions (KIP-875, Kafka >= 3.6).
   * Connect refuses while the connector's tasks are still shutting down: retried for a few seconds.
   */
  async alterOffsets(
    name: string,
    offsets: { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[],
  ): Promise<void> {
    await this.whileStopping(() =>
      this.request('PATCH', `/connectors/${encodeURIComponent(name)}/offsets`, { offsets }),
    );
  }

  /** Removes every stored position of a stopped connector, so a connector created again under its name starts afresh. */
  async resetOffsets(name: string): Promise<boolean> {
    return (
      (await this.whileStopping(() => this.request('DELETE', `/connectors/${encodeURIComponent(name)}/offsets`)))
        .status !== 404
    );
  }

  private async whileStopping<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof ConnectApiError) || err.status !== 400 || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

/** How MirrorSourceConnector keys its stored position of one source partition (MirrorUtils.wrapPartition). */
export function mirrorSourcePartition(topic: string, partition: number): Record<string, unknown> {
  return { cluster: SOURCE_ALIAS, partition, topic };
}

function sameConfig(current: Record<string, string>, wanted: Record<string, string>): boolean {
  const a = Object.entries(current).filter(([k]) => k !== 'name');
  return a.length === Object.keys(wanted).length && a.every(([k, v]) => wanted[k] === v);
}

/** Maps one connector's Connect status to the provider's state vocabulary. */
export function mapConnectorState(
  name: string,
  s: ConnectStatus | undefined,
  requireTasks: boolean,
): ReplicationStatus {
  if (!s) return { id: name, state: 'absent' };
  const tasks: ReplicationTask[] = s.tasks.map((t) => ({
    id: `${name}/${t.id}`,
    state: t.state,
    ...(t.trace ? { cause: firstLine(t.trace) } : {}),
  }));
  const base = { id: name, tasks };
  if (s.connector.state === 'FAILED')
    return { ...base, state: 'failed', cause: `${name}: ${firstLine(s.connector.trace) ?? 'failed'}` };
  const failedTask = s.tasks.find((t) => t.state === 'FAILED');
  if (failedTask)
    return {
      ...base,
      state: 'failed',
      cause: `${name} task ${failedTask.id}: ${firstLine(failedTask.trace) ?? 'failed'}`,
    };
  if (s.connector.state === 'PAUSED' || s.connector.state === 'STOPPED') return { ...base, state: 'paused' };
  if (s.connector.state === 'UNASSIGNED' || s.connector.state === 'RESTARTING')
    return { ...base, state: 'starting', cause: `${name} is ${s.connector.state}` };
  const notRunning = s.tasks.find((t) => t.state !== 'RUNNING');
  if (notRunning) {
    if (notRunning.state === 'PAUSED') return { ...base, state: 'paused' };
    return { ...base, state: 'starting', cause: `${name} task ${notRunning.id} is ${notRunning.state}` };
  }
  if (requireTasks && s.tasks.length === 0) {
    return {
      ...base,
      state: 'starting',
      cause: `${name} has no task yet (no topic matched on the primary, or topics not refreshed yet)`,
    };
  }
  return { ...base, state: 'running' };
}

const RANK: Record<ReplicationStatus['state'], number> = {
  failed: 5,
  absent: 4,
  starting: 3,
  paused: 2,
  ready: 1,
  running: 0,
};

/** Compares per-partition end offsets of the replicated topics (see ReplicationLag for the assumption). */
export async function compareEndOffsets(
  primary: AdminSession,
  secondary: AdminSession,
  topics: string[] | { pattern: string },
  tolerance = 0,
): Promise<ReplicationLag> {
  const names = Array.isArray(topics) ? topics : await matchTopics(primary, compilePattern(topics.pattern));
  const p = await partitionOffsets(primary, names);
  const s = new Map((await partitionOffsets(secondary, names)).map((x) => [tpKey(x.topic, x.partition), x.end]));
  const partitions: PartitionLag[] = p.map((x) => {
    const secondaryEnd = s.get(tpKey(x.topic, x.partition)) ?? 0;
    return {
      topic: x.topic,
      partition: x.partition,
      primaryEnd: x.end,
      secondaryEnd,
      lag: Math.max(0, x.end - secondaryEnd),
    };
  });
  const totalLag = partitions.reduce((n, x) => n + x.lag, 0);
  return { caughtUp: totalLag <= tolerance, totalLag, partitions };
}

export class KafkaConnectProvider implements ReplicationProvider {
  readonly kind = 'kafka-connect' as const;
  readonly client: KafkaConnectClient;

  constructor(options: KafkaConnectOptions) {
    this.client = new KafkaConnectClient(options);
  }

  async ensure(spec: ReplicationPairSpec): Promise<EnsureResult> {
    const names = connectorNames(spec.pair);
    const configs = mirrorConfigs(spec);
    let created = true;
    let updated = false;
    for (const [name, config] of [
      [names.source, configs.source],
      [names.checkpoint, configs.checkpoint],
    ] as const) {
      const current = await this.client.getConfig(name);
      if (current) created = false;
      if (current && sameConfig(current, config)) continue;
      if (current) updated = true;
      await this.client.putConfig(name, config);
    }
    return { id: `${names.source},${names.checkpoint}`, created, updated };
  }

  async state(spec: ReplicationPairSpec): Promise<ReplicationStatus> {
    const names = connectorNames(spec.pair);
    const source = mapConnectorState(names.source, await this.client.status(names.source), true);
    const checkpoint = mapConnectorState(names.checkpoint, await this.client.status(names.checkpoint), false);
    const id = `${names.source},${names.checkpoint}`;
    const tasks = [...(source.tasks ?? []), ...(checkpoint.tasks ?? [])];
    if (source.state === 'absent' && checkpoint.state === 'absent') return { id, state: 'absent' };
    const missing = [source, checkpoint].find((c) => c.state === 'absent');
    // Connect registers connectors asynchronously: right after ensure one may not be visible yet. Waiting is
    // bounded by the caller (drSetup's wait-running); a connector that never appears times out there.
    if (missing)
      return {
        id,
        state: 'starting',
        cause: `connector ${missing.id} is not registered yet (run ensure again if it stays missing)`,
        tasks,
      };
    const worst = RANK[source.state] >= RANK[checkpoint.state] ? source : checkpoint;
    return { id, state: worst.state, ...(worst.cause ? { cause: worst.cause } : {}), tasks };
  }

  async pause(spec: ReplicationPairSpec): Promise<void> {
    const names = connectorNames(spec.pair);
    await this.client.pause(names.source);
    await this.client.pause(names.checkpoint);
  }

  async resume(spec: ReplicationPairSpec): Promise<void> {
    const names = connectorNames(spec.pair);
    await this.client.resume(names.source);
    await this.client.resume(names.checkpoint);
  }

  async remove(spec: ReplicationPairSpec): Promise<{ removed: boolean }> {
    const names = connectorNames(spec.pair);
    const a = await this.client.remove(names.source);
    const b = await this.client.remove(names.checkpoint);
    return { removed: a || b };
  }

  async lag(
    spec: ReplicationPairSpec,
    clusters: { primary: AdminSession; secondary: AdminSession },
    tolerance = 0,
  ): Promise<ReplicationLag> {
    return compareEndOffsets(clusters.primary, clusters.secondary, spec.topics, tolerance);
  }
}
