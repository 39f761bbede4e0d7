// MirrorMaker 2 on a Kafka Connect cluster, driven through the Connect REST API. Two connectors per pair:
// MirrorSourceConnector (records) and MirrorCheckpointConnector (group offset checkpoints on the secondary).
// No heartbeat connector: it writes to the source cluster, which a Connect cluster next to the secondary
// should not depend on, and the canary in connector-verify proves the data flow better.
import { type AdminSession } from '../kafka/admin';
import {
  ReplicationSpecError,
  type EnsureResult,
  type ReplicationLag,
  type ReplicationPairSpec,
  type ReplicationProvider,
  type ReplicationStatus,
} from './types';
import { KdrError } from '../errors';
import { excerpt } from '../security/redact';

import { connectorNames, mirrorConfigs } from './mirror-config';
import { compareEndOffsets, mapConnectorState, RANK, type ConnectStatus } from './connect-status';

export { SOURCE_ALIAS, TARGET_ALIAS, connectorNames, mirrorConfigs, mirrorSourcePartition } from './mirror-config';
export { compareEndOffsets, mapConnectorState } from './connect-status';

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

function sameConfig(current: Record<string, string>, wanted: Record<string, string>): boolean {
  const a = Object.entries(current).filter(([k]) => k !== 'name');
  return a.length === Object.keys(wanted).length && a.every(([k, v]) => wanted[k] === v);
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
