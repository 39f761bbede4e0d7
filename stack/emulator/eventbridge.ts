// Emulated EventBridge event streaming 2020-04-01 (docs/alicloud-emulator.md, Sources §1) for Kafka source -> Kafka sink. Records really
// flow: on the `mirror` data plane a MirrorMaker 2 MirrorSourceConnector on the local Kafka Connect copies them,
// on the `reproduce` plane a producer inside this process sends them again (stack/emulator/data-plane.ts).
import { PopError, need } from './pop';
import type { StateStore, StreamState } from './state';
import type { EmulatedInstance } from './instances';
import type { KafkaAdmins } from './kafka-admin';
import { ConnectRest } from './connect';
import { DEFAULT_DATA_PLANE, type DataPlaneConfig } from './data-plane';
import { Reproducer } from './reproducer';
import { connectorNameFor, mirrorConnectorConfig } from './eventbridge-connector';
import { checkCreateRequest } from './eventbridge-request';
import { parseKafkaTopicArn } from '../../src/cloud/eventbridge';

export { connectorNameFor } from './eventbridge-connector';

export const ACCOUNT_ID = '1648000000000001';

interface Lag {
  diff: number;
  replicated: number;
  at: number;
}

/**
 * startTimeoutMs: how long a started stream may stay STARTING before the emulator calls it STARTING_FAILED. Kafka
 * Connect lists a new connector only after its herder has read the config topic back, and answers 404/409/500
 * while it rebalances: none of that is a failed start, and the real service, too, reports STARTING while a
 * stream starts. missingGraceMs: how long the connector of a stream that ran may be unlisted (a Connect restart
 * or rebalance) before the stream is RUNNING_FAILED.
 */
export interface StreamTimings {
  startTimeoutMs: number;
  missingGraceMs: number;
}
const DEFAULT_TIMINGS: StreamTimings = { startTimeoutMs: 120_000, missingGraceMs: 20_000 };

export class EventBridgeEmulator {
  private readonly connect: ConnectRest;
  private readonly timings: StreamTimings;
  private readonly lag = new Map<string, Lag & { lastProgressAt: number; tps: number }>();
  private readonly reproducers = new Map<string, Reproducer>();
  /** Fault injection (faults.ts SINK_RECORD_ACTION): whether the sink refuses the next record. */
  private sinkRefuses: () => boolean = () => false;

  constructor(
    private readonly store: StateStore,
    private readonly instances: EmulatedInstance[],
    private readonly admins: KafkaAdmins,
    connectUrl: string,
    private readonly replicationFactor: number,
    timings: Partial<StreamTimings> = {},
    private readonly dataPlane: DataPlaneConfig = DEFAULT_DATA_PLANE,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.connect = new ConnectRest(connectUrl);
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
    // Streams running on the reproduce plane resume where they were (their progress is in the state).
    for (const s of this.store.state.eventbridge.streams) {
      if (s.Desired === 'RUNNING' && s.DataPlane?.mode === 'reproduce') this.reproducerFor(s).start();
    }
  }

  refuseSinkRecordsWhen(decide: () => boolean): void {
    this.sinkRefuses = decide;
  }

  /** Stops every reproduce-plane stream of this process (the state keeps where each one was). */
  async close(): Promise<void> {
    const all = [...this.reproducers.values()];
    this.reproducers.clear();
    await Promise.all(all.map((r) => r.stop()));
  }

  private planeOf(s: StreamState): DataPlaneConfig {
    return s.DataPlane ?? this.dataPlane;
  }

  private reproducerFor(s: StreamState): Reproducer {
    let r = this.reproducers.get(s.ConnectorName);
    if (r && !r.isStopped) return r;
    const sk = (s.Source.SourceKafkaParameters ?? {}) as Record<string, string>;
    const kp = (s.Sink.SinkKafkaParameters ?? {}) as Record<string, { Form?: string; Value?: string }>;
    const acks = kp.Acks?.Value === '0' ? 0 : kp.Acks?.Value === '1' ? 1 : -1;
    const run = s.RunOptions as {
      RetryStrategy?: { MaximumRetryAttempts?: number };
      DeadLetterQueue?: { Arn?: string };
    };
    const dlq = run.DeadLetterQueue?.Arn ? parseKafkaTopicArn(run.DeadLetterQueue.Arn) : undefined;
    const dlqInstance = dlq && this.instances.find((i) => i.instanceId === dlq.instanceId);
    r = new Reproducer({
      name: s.ConnectorName,
      source: this.instances.find((i) => i.instanceId === sk.InstanceId)!,
      sink: this.instances.find((i) => i.instanceId === kp.InstanceId?.Value)!,
      topic: sk.Topic,
      sinkTopic: kp.Topic?.Value ?? sk.Topic,
      offsetReset: sk.OffsetReset === 'latest' ? 'latest' : 'earliest',
      ...(sk.ConsumerGroup ? { consumerGroup: sk.ConsumerGroup } : {}),
      acks,
      fidelity: this.planeOf(s).fidelity,
      // The event envelope's headers mapped onto the record (SinkKafkaParameters.Headers, JSONPath $.data.headers).
      headersMapped: kp.Headers?.Form === 'JSONPATH' && kp.Headers.Value === '$.data.headers',
      // BACKOFF_RETRY is "up to three times" 10-20 s apart (SDK PutTargets docstring); the emulator keeps the count, not the wait.
      retry: { attempts: run.RetryStrategy?.MaximumRetryAttempts ?? 3, delayMs: 100 },
      ...(dlq && dlqInstance ? { deadLetter: { instance: dlqInstance, topic: dlq.topic } } : {}),
      sinkRefuses: () => this.sinkRefuses(),
      refused: (outcome) =>
        this.store.mutate(() => {
          if (outcome === 'dead-lettered') s.DeadLettered = (s.DeadLettered ?? 0) + 1;
          else s.Discarded = (s.Discarded ?? 0) + 1;
        }),
      replicationFactor: this.replicationFactor,
      progress: () => s.ReproduceProgress ?? {},
      save: (progress) =>
        this.store.mutate(() => {
          s.ReproduceProgress = progress;
        }),
      log: this.log,
    });
    this.reproducers.set(s.ConnectorName, r);
    return r;
  }

  private async stopReproducer(s: StreamState): Promise<void> {
    const r = this.reproducers.get(s.ConnectorName);
    this.reproducers.delete(s.ConnectorName);
    await r?.stop();
  }

  async handle(action: string, p: Record<string, string>, region: string): Promise<Record<string, unknown>> {
    switch (action) {
      case 'CreateEventStreaming':
        return this.create(p, region);
      case 'GetEventStreaming':
        return this.get(p, region);
      case 'StartEventStreaming':
        return this.start(p, region);
      case 'PauseEventStreaming':
        return this.pause(p, region);
      case 'DeleteEventStreaming':
        return this.remove(p, region);
      case 'ListEventStreamings':
        return this.list(p, region);
      default:
        throw new PopError(
          'InvalidAction.NotFound',
          `Specified api "${action}" is not found (the emulator implements Create/Get/Start/Pause/Delete/ListEventStreaming(s)).`,
          404,
        );
    }
  }

  private stream(p: Record<string, string>, region: string): StreamState {
    const name = need(p, 'EventStreamingName');
    const s = this.store.state.eventbridge.streams.find((x) => x.Region === region && x.EventStreamingName === name);
    if (!s) throw new PopError('EventStreamingNotExisted', `The event streaming [${name}] not existed!`, 200);
    return s;
  }

  private instance(id: string, region: string, field: string): EmulatedInstance {
    const inst = this.instances.find((i) => i.instanceId === id);
    if (!inst || inst.regionId !== region) {
      throw new PopError(
        'InvalidParameter',
        `${field}: the ApsaraMQ for Kafka instance ${id} does not exist in region ${region}.`,
      );
    }
    return inst;
  }

  private async create(p: Record<string, string>, region: string): Promise<Record<string, unknown>> {
    const { name, source, sink, runOptions, filterPattern, sk, srcInst } = checkCreateRequest(
      p,
      region,
      (id, r, field) => this.instance(id, r, field),
      this.dataPlane.mode,
    );
    const sourceTopics = await this.admins
      .with(srcInst, (a) => a.listTopics())
      .catch((err: Error) => {
        throw new PopError('InternalError', `Cannot reach the source instance: ${err.message}`, 500);
      });
    if (!sourceTopics.includes(sk.Topic as string))
      throw new PopError(
        'InvalidParameter',
        `Source.SourceKafkaParameters.Topic: the topic ${String(sk.Topic)} does not exist on ${srcInst.instanceId}.`,
      );

    return this.store.mutate((s) => {
      if (s.eventbridge.streams.some((x) => x.Region === region && x.EventStreamingName === name)) {
        throw new PopError(
          'EventStreamingExisted',
          `The name [${name}] of event streaming in request is already exist!`,
        );
      }
      s.eventbridge.streams.push({
        Region: region,
        EventStreamingName: name,
        Description: p.Description ?? '',
        FilterPattern: filterPattern,
        Source: source,
        Sink: sink,
        RunOptions: runOptions,
        Desired: 'READY',
        LastStatus: 'READY',
        ReachedRunning: false,
        ConnectorName: connectorNameFor(region, name),
        CreateTime: Date.now(),
      });
      return { Data: { EventStreamingARN: `acs:eventbridge:${region}:${ACCOUNT_ID}:eventstreaming/${name}` } };
    });
  }

  private async connectOr500<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new PopError(
        'InternalError',
        `The event streaming runtime is not reachable: ${(err as Error).message}`,
        500,
      );
    }
  }

  private async start(p: Record<string, string>, region: string): Promise<Record<string, unknown>> {
    const s = this.stream(p, region);
    if (!s.DataPlane)
      this.store.mutate(() => {
        s.DataPlane = this.dataPlane;
      });
    if (this.planeOf(s).mode === 'reproduce') {
      this.reproducerFor(s).start();
      this.store.mutate(() => {
        if (s.Desired !== 'RUNNING') {
          s.Desired = 'RUNNING';
          s.LastStatus = 'STARTING';
          s.StartedAt = Date.now();
          s.MissingSince = undefined;
          s.ReachedRunning = false;
        }
      });
      return {};
    }
    let restarted = false;
    await this.connectOr500(async () => {
      const status = await this.connect.status(s.ConnectorName);
      if (!status)
        await this.connect.putConfig(s.ConnectorName, mirrorConnectorConfig(s, this.instances, this.replicationFactor));
      // A pause just asked of Connect may not show in its status yet: resume whenever the stream was paused
      // (resuming a running connector changes nothing), or the connector would go on to pause after this start.
      else if (s.Desired === 'PAUSED' || status.connector.state === 'PAUSED' || status.connector.state === 'STOPPED')
        await this.connect.resume(s.ConnectorName);
      else if (status.connector.state === 'FAILED' || status.tasks.some((t) => t.state === 'FAILED')) {
        await this.connect.restartFailed(s.ConnectorName);
        restarted = true;
      }
    });
    this.store.mutate(() => {
      if (s.Desired !== 'RUNNING' || restarted) {
        s.Desired = 'RUNNING';
        s.LastStatus = 'STARTING';
        s.StartedAt = Date.now();
        s.MissingSince = undefined;
        s.ReachedRunning = false;
      }
    });
    return {};
  }

  private async pause(p: Record<string, string>, region: string): Promise<Record<string, unknown>> {
    const s = this.stream(p, region);
    if (s.Desired === 'READY') return {};
    if (this.planeOf(s).mode === 'reproduce') {
      // PAUSED first: a GetEventStreaming answered while the reproducer stops must not start a new one.
      this.store.mutate(() => {
        s.Desired = 'PAUSED';
        s.LastStatus = 'PAUSED';
      });
      await this.stopReproducer(s);
    } else {
      await this.connectOr500(async () => {
        if (await this.connect.status(s.ConnectorName)) await this.connect.pause(s.ConnectorName);
      });
    }
    this.store.mutate(() => {
      s.Desired = 'PAUSED';
      s.LastStatus = 'PAUSED';
    });
    return {};
  }

  private async remove(p: Record<string, string>, region: string): Promise<Record<string, unknown>> {
    const s = this.stream(p, region);
    if (this.planeOf(s).mode === 'reproduce') await this.stopReproducer(s);
    else if (s.Desired !== 'READY') await this.connectOr500(() => this.connect.remove(s.ConnectorName));
    this.store.mutate((st) => {
      st.eventbridge.streams = st.eventbridge.streams.filter((x) => x !== s);
    });
    this.lag.delete(s.ConnectorName);
    return {};
  }

  /**
   * Status from the connector's real state. A stream fails only on a real connector/task FAILED state, when it
   * has not run within this.timings.startTimeoutMs of its start, or when the connector of a stream that ran stays unlisted
   * past this.timings.missingGraceMs. Connect being unreachable or rebalancing shows the last status unchanged.
   */
  private async status(s: StreamState): Promise<string> {
    if (s.Desired === 'READY') return 'READY';
    if (s.Desired === 'PAUSED') return 'PAUSED';
    if (this.planeOf(s).mode === 'reproduce') return this.reproduceStatus(s);
    let st: Awaited<ReturnType<ConnectRest['status']>>;
    try {
      st = await this.connect.status(s.ConnectorName);
    } catch {
      return s.LastStatus;
    }
    const now = Date.now();
    const failed = s.ReachedRunning ? 'RUNNING_FAILED' : 'STARTING_FAILED';
    let next: string;
    let missingSince: number | undefined;
    if (!st) {
      missingSince = s.MissingSince ?? now;
      if (s.ReachedRunning) next = now - missingSince >= this.timings.missingGraceMs ? failed : 'RUNNING';
      else next = now - (s.StartedAt ?? s.CreateTime) >= this.timings.startTimeoutMs ? failed : 'STARTING';
    } else if (st.connector.state === 'FAILED' || st.tasks.some((t) => t.state === 'FAILED')) {
      next = failed;
    } else if (
      st.connector.state === 'RUNNING' &&
      st.tasks.length > 0 &&
      st.tasks.every((t) => t.state === 'RUNNING')
    ) {
      next = 'RUNNING';
    } else if (!s.ReachedRunning && now - (s.StartedAt ?? s.CreateTime) >= this.timings.startTimeoutMs) {
      next = failed;
    } else {
      next = s.ReachedRunning ? 'RUNNING' : 'STARTING';
    }
    if (next !== s.LastStatus || (next === 'RUNNING' && !s.ReachedRunning) || missingSince !== s.MissingSince) {
      this.store.mutate(() => {
        s.LastStatus = next;
        s.MissingSince = missingSince;
        if (next === 'RUNNING' && st) s.ReachedRunning = true;
      });
    }
    return next;
  }

  /** A reproduce-plane stream is RUNNING once a round went through, failed after missingGraceMs of failing rounds. */
  private reproduceStatus(s: StreamState): string {
    const r = this.reproducerFor(s);
    r.start();
    const now = Date.now();
    let next: string;
    if (r.failingSince !== undefined) {
      const failed = s.ReachedRunning ? 'RUNNING_FAILED' : 'STARTING_FAILED';
      const limit = s.ReachedRunning ? this.timings.missingGraceMs : this.timings.startTimeoutMs;
      next = now - r.failingSince >= limit ? failed : s.ReachedRunning ? 'RUNNING' : 'STARTING';
    } else {
      next = s.ReproduceProgress ? 'RUNNING' : 'STARTING';
    }
    if (next !== s.LastStatus || (next === 'RUNNING' && !s.ReachedRunning)) {
      this.store.mutate(() => {
        s.LastStatus = next;
        if (next === 'RUNNING') s.ReachedRunning = true;
      });
    }
    return next;
  }

  /** Next source offset per partition the data plane has copied up to (absent = nothing copied yet). */
  private async copiedUpTo(s: StreamState, topic: string): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (this.planeOf(s).mode === 'reproduce') {
      for (const [partition, next] of Object.entries(s.ReproduceProgress ?? {})) out.set(Number(partition), next);
      return out;
    }
    for (const o of await this.connect.offsets(s.ConnectorName)) {
      if (o.partition.topic === topic) out.set(Number(o.partition.partition), Number(o.offset.offset) + 1);
    }
    return out;
  }

  /** DiffOffset = records on the source not yet replicated, from the data plane's committed source offsets. */
  private async detailedStatus(s: StreamState, status: string): Promise<Record<string, unknown>> {
    const sk = (s.Source.SourceKafkaParameters ?? {}) as Record<string, string>;
    const src = this.instances.find((i) => i.instanceId === sk.InstanceId);
    if (!src || s.Desired === 'READY') return { DelayTime: 0, DiffOffset: 0, TPS: 0, Extensions: {} };
    try {
      const [ends, copied] = await Promise.all([
        this.admins.with(src, (a) => a.fetchTopicOffsets(sk.Topic)),
        this.copiedUpTo(s, sk.Topic),
      ]);
      let diff = 0;
      let replicated = 0;
      for (const e of ends) {
        const next = Math.max(copied.get(e.partition) ?? Number(e.low), Number(e.low));
        replicated += Math.max(0, next - Number(e.low));
        diff += Math.max(0, Number(e.high) - next);
      }
      const now = Date.now();
      const prev = this.lag.get(s.ConnectorName);
      const progressed = !prev || replicated !== prev.replicated;
      const tps =
        prev && now > prev.at ? Math.max(0, Math.round(((replicated - prev.replicated) * 1000) / (now - prev.at))) : 0;
      const lastProgressAt = progressed ? now : prev!.lastProgressAt;
      this.lag.set(s.ConnectorName, { diff, replicated, at: now, lastProgressAt, tps });
      const plane = this.planeOf(s);
      const extensions =
        plane.mode === 'reproduce'
          ? {
              dataPlane: 'reproduce',
              fidelity: plane.fidelity,
              status,
              deadLettered: s.DeadLettered ?? 0,
              discarded: s.Discarded ?? 0,
              ...(this.reproducers.get(s.ConnectorName)?.lastError
                ? { error: this.reproducers.get(s.ConnectorName)?.lastError }
                : {}),
            }
          : { dataPlane: 'mirror', connector: s.ConnectorName, status };
      return {
        DelayTime: diff === 0 ? 0 : Math.round((now - lastProgressAt) / 1000),
        DiffOffset: diff,
        TPS: tps,
        Extensions: extensions,
      };
    } catch (err) {
      return { DelayTime: -1, DiffOffset: -1, TPS: 0, Extensions: { error: (err as Error).message } };
    }
  }

  private view(s: StreamState, status: string): Record<string, unknown> {
    return {
      EventStreamingName: s.EventStreamingName,
      Description: s.Description,
      FilterPattern: s.FilterPattern,
      Source: s.Source,
      Sink: s.Sink,
      RunOptions: s.RunOptions,
      Transforms: [],
      Status: status,
    };
  }

  /**
   * A stream as ListEventStreamings shows it: the official list model (SDK 8.7.0 ListEventStreamingsResponseBodyData-
   * EventStreamings) has no SinkKafkaParameters.Headers and a RetryStrategy of PushRetryStrategy only; GetEventStreaming
   * shows them. Checked by test/stack/conformance/live.test.ts.
   */
  private listView(s: StreamState, status: string): Record<string, unknown> {
    const view = this.view(s, status);
    const runOptions = s.RunOptions as { RetryStrategy?: { PushRetryStrategy?: unknown } } | undefined;
    if (runOptions?.RetryStrategy)
      view.RunOptions = {
        ...runOptions,
        RetryStrategy: { PushRetryStrategy: runOptions.RetryStrategy.PushRetryStrategy },
      };
    const sink = s.Sink as { SinkKafkaParameters?: Record<string, unknown> } | undefined;
    if (sink?.SinkKafkaParameters && 'Headers' in sink.SinkKafkaParameters) {
      const { Headers: _headers, ...params } = sink.SinkKafkaParameters;
      view.Sink = { ...sink, SinkKafkaParameters: params };
    }
    return view;
  }

  private async get(p: Record<string, string>, region: string): Promise<Record<string, unknown>> {
    const s = this.stream(p, region);
    const status = await this.status(s);
    return { Data: { ...this.view(s, status), DetailedStatus: await this.detailedStatus(s, status), Metadata: '' } };
  }

  private async list(p: Record<string, string>, region: string): Promise<Record<string, unknown>> {
    const limit = p.Limit ? Number(p.Limit) : 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new PopError('InvalidParameter', `Limit=${p.Limit} must be an integer between 1 and 100.`);
    const start = p.NextToken ? Number(p.NextToken) : 0;
    if (!Number.isInteger(start) || start < 0)
      throw new PopError(
        'InvalidParameter',
        `NextToken "${p.NextToken}" is not a token returned by ListEventStreamings.`,
      );
    const all = this.store.state.eventbridge.streams
      .filter((s) => s.Region === region && s.EventStreamingName.startsWith(p.NamePrefix ?? ''))
      .sort((a, b) => a.CreateTime - b.CreateTime || (a.EventStreamingName < b.EventStreamingName ? -1 : 1));
    const pageItems = all.slice(start, start + limit);
    const EventStreamings = [];
    for (const s of pageItems) EventStreamings.push(this.listView(s, await this.status(s)));
    const next = start + limit < all.length ? String(start + limit) : '';
    return { Data: { EventStreamings, NextToken: next, Total: all.length } };
  }
}
