// drFailover measured as a user runs it: a real worker (all workflows and activities, private task queue),
// a real run (dryRun false) approved by signal, on a pair whose topic carries the groups' committed offsets
// on the primary. The reset step's duration is read from the run's own step table; the history is fetched
// from the server afterwards.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { createActivities, defaultDeps } from '../activities';
import { PairConfigSchema, type PairConfig, type PairConfigInput } from '../src/config';
import { localStackEnv } from '../stack/local-stack';
import { kafkaPair } from '../stack/harness/kdr';
import { planQuery, statusQuery } from '../workflows/definitions';
import type { RunStatus, StepRecord } from '../workflows/runner';
import type { GroupTarget } from './targets';

export const REQUESTED_BY = 'bench-requester';
export const APPROVED_BY = 'bench-approver';

/** A self-managed pair on the local stack replicating `topic`, its canary topic shared by every run. */
export function benchPair(name: string, topic: string, canaryTopic: string): PairConfigInput {
  const base = kafkaPair(name, [topic]);
  return { ...base, replication: { ...base.replication, canaryTopic } };
}

export interface FailoverRun {
  workflowId: string;
  groups: number;
  planId: string;
  sources: Record<string, number>;
  /** The reset-offsets step's durationMs from the run's result (workflow time). */
  resetStepMs: number;
  /** The plan step's durationMs (planOffsets, and reading a stored plan's pages back). */
  planStepMs: number | null;
  /** Whether the plan went through the plan store (larger than the inline limit). */
  planStored: boolean;
  /** Approval signal sent -> result received, measured by the client. */
  approvalToDoneMs: number;
  /** What the workflow itself reports as approval -> done. */
  approvalToDoneWorkflowMs: number | null;
  steps: { name: string; state: string; durationMs: number | null; endedAt: string | null }[];
  /** Epoch ms (this machine's clock, as the server's) when the approval signal was sent. */
  approvalSentAt: number;
  plan: GroupTarget[];
  handle: WorkflowHandle;
}

export class BenchRunError extends Error {
  override name = 'BenchRunError';
}

async function poll<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  what: string,
  boundMs: number,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + boundMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until) {
      throw new BenchRunError(
        `timed out after ${boundMs} ms waiting for ${what}` +
          (lastError ? `: ${(lastError as Error).message}` : `; last: ${JSON.stringify(last)?.slice(0, 600)}`),
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * One failover of `pair` limited to the groups matching `groupPattern`: start, wait for the plan, approve it,
 * wait for the result. drain is off: the benchmark pair has no connector to drain (its secondary topic was
 * filled directly, see docs/benchmarks.md).
 */
export async function runFailover(
  client: Client,
  taskQueue: string,
  o: {
    pair: PairConfigInput;
    groupPattern: string;
    workflowId: string;
    expectGroups: number;
    /** Called while the run waits for the approval (tests look at the plan there). */
    beforeApproval?: (handle: WorkflowHandle) => Promise<void>;
    /** How often the plan is polled for (many runs at once poll less often: every query is a workflow task). */
    pollMs?: number;
    /** Temporal's workflow task timeout for this run (default: the server's, 10 s). */
    workflowTaskTimeout?: Duration;
  },
): Promise<FailoverRun> {
  const handle = await client.workflow.start('drFailover', {
    taskQueue,
    workflowId: o.workflowId,
    ...(o.workflowTaskTimeout ? { workflowTaskTimeout: o.workflowTaskTimeout } : {}),
    args: [
      {
        config: o.pair,
        requestedBy: REQUESTED_BY,
        dryRun: false,
        drain: false,
        switchover: { guard: 0 },
        groups: { pattern: o.groupPattern },
      },
    ],
  });
  const status = await poll(
    () => handle.query(statusQuery),
    (s: RunStatus) => s.phase === 'awaiting-approval' || !!s.endedAt,
    'the plan to await approval',
    300_000,
    o.pollMs,
  ).catch(async (err) => {
    throw new BenchRunError(`${(err as Error).message}\nrun ${o.workflowId}: ${await explain(handle)}`);
  });
  if (status.phase !== 'awaiting-approval')
    throw new BenchRunError(`run ${o.workflowId} ended before approval: ${await explain(handle)}`);
  const view = await handle.query(planQuery);
  if (!view) throw new BenchRunError(`run ${o.workflowId} awaits approval but query plan answered null`);
  const plan = view.plan as {
    groups: GroupTarget[];
    totals: { groups: number; sources: Record<string, number> };
    stored?: unknown;
  };
  // A plan above PLAN_PAGE_GROUPS is answered a page at a time, as kdr plan reads it.
  for (let offset = plan.groups.length; view.page && offset < view.page.total; offset = plan.groups.length) {
    const next = await handle.query(planQuery, { offset, limit: view.page.limit });
    if (!next || next.plan.groups.length === 0)
      throw new BenchRunError(`run ${o.workflowId}: query plan gave no groups at offset ${offset}`);
    plan.groups = [...plan.groups, ...(next.plan.groups as unknown as GroupTarget[])];
  }
  if (plan.groups.length !== o.expectGroups) {
    throw new BenchRunError(
      `run ${o.workflowId} planned ${plan.groups.length} groups, expected ${o.expectGroups} (pattern ${o.groupPattern})`,
    );
  }
  await o.beforeApproval?.(handle);
  const approvalSentAt = Date.now();
  const approvedAt = performance.now();
  await handle.signal('approve', { by: APPROVED_BY, planId: view.planId, comment: 'benchmark' });
  let result: { steps: StepRecord[]; timing?: { approvalToDoneMs?: number } };
  try {
    result = await handle.result();
  } catch (err) {
    throw new BenchRunError(`run ${o.workflowId} failed: ${(err as Error).message}; ${await explain(handle)}`);
  }
  const approvalToDoneMs = performance.now() - approvedAt;
  const reset = result.steps.find((s) => s.name === 'reset-offsets');
  const planStep = result.steps.find((s) => s.name === 'plan');
  if (reset?.state !== 'succeeded' || reset.durationMs === undefined) {
    throw new BenchRunError(
      `run ${o.workflowId}: reset-offsets is ${reset?.state ?? 'missing'} (${reset?.lastError ?? 'no error'})`,
    );
  }
  return {
    workflowId: o.workflowId,
    groups: plan.groups.length,
    planId: view.planId,
    sources: plan.totals.sources,
    resetStepMs: reset.durationMs,
    planStepMs: planStep?.durationMs ?? null,
    planStored: plan.stored !== undefined,
    approvalToDoneMs,
    approvalToDoneWorkflowMs: result.timing?.approvalToDoneMs ?? null,
    steps: result.steps.map((s) => ({
      name: s.name,
      state: s.state,
      durationMs: s.durationMs ?? null,
      endedAt: s.endedAt ?? null,
    })),
    approvalSentAt,
    plan: plan.groups,
    handle,
  };
}

async function explain(handle: WorkflowHandle): Promise<string> {
  try {
    const s = await handle.query(statusQuery);
    return (
      s.steps
        .filter((x) => x.lastError || x.state === 'blocked')
        .map((x) => `${x.name} ${x.state}: ${x.lastError ?? ''}`)
        .join('; ') || `phase ${s.phase}`
    );
  } catch (err) {
    return `(status not available: ${(err as Error).message})`;
  }
}

export interface HistoryFigures {
  events: number;
  /** The server's own figures (describe): event count and size in bytes (protobuf, as stored). */
  serverHistoryLength: number | null;
  serverHistorySizeBytes: number | null;
  /** Bytes of the protobuf encoding of the fetched history (null if the client gave a plain object). */
  protobufBytes: number | null;
  /** Bytes of the JSON encoding (protobuf's JSON mapping, as `temporal workflow show --output json` prints). */
  jsonBytes: number;
  /** Events by type, most frequent first: what the history is made of. */
  byType: Record<string, number>;
  /** The largest single event (JSON bytes) and its type. */
  largestEvent: { type: string; jsonBytes: number };
  /** The five largest events, with the activity they belong to: where the bytes are. */
  largestEvents: { eventId: number; type: string; activity?: string; jsonBytes: number }[];
  /** The largest single payload in the history, bytes as stored (after the gzip codec): Temporal's limit is 2 MB. */
  largestPayloadBytes: number;
}

/** The largest `data` of any payload in a JSON-mapped history event (bytes are base64 there). */
function largestPayload(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) return value.reduce((m: number, v) => Math.max(m, largestPayload(v)), 0);
  const o = value as Record<string, unknown>;
  let max = 0;
  if (Array.isArray(o.payloads)) {
    for (const p of o.payloads as { data?: unknown }[])
      if (typeof p?.data === 'string') max = Math.max(max, Buffer.from(p.data, 'base64').length);
  }
  for (const v of Object.values(o)) max = Math.max(max, largestPayload(v));
  return max;
}

export async function historyFigures(handle: WorkflowHandle): Promise<HistoryFigures> {
  const history = await handle.fetchHistory();
  // The client decodes into protobufjs message objects: their class encodes them back, and toJSON applies the
  // protobuf JSON mapping (enum names, 64-bit numbers as strings, bytes as base64).
  const message = (history as { constructor?: { encode?: (h: unknown) => { finish(): Uint8Array } } }).constructor;
  const json = JSON.stringify(history);
  type JsonEvent = {
    eventId?: string;
    eventType?: string;
    activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
    activityTaskCompletedEventAttributes?: { scheduledEventId?: string };
  };
  const events = (JSON.parse(json) as { events?: JsonEvent[] }).events ?? [];
  const activityOf = new Map<string, string>();
  const byType: Record<string, number> = {};
  const sized: HistoryFigures['largestEvents'] = [];
  for (const e of events) {
    const type = String(e.eventType ?? 'unknown').replace(/^EVENT_TYPE_/, '');
    byType[type] = (byType[type] ?? 0) + 1;
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled && e.eventId) activityOf.set(e.eventId, scheduled);
    const activity = scheduled ?? activityOf.get(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '');
    sized.push({
      eventId: Number(e.eventId),
      type,
      ...(activity ? { activity } : {}),
      jsonBytes: Buffer.byteLength(JSON.stringify(e)),
    });
  }
  sized.sort((a, b) => b.jsonBytes - a.jsonBytes);
  const largest = { type: sized[0]?.type ?? '', jsonBytes: sized[0]?.jsonBytes ?? 0 };
  const d = await handle.describe();
  return {
    events: events.length,
    serverHistoryLength: d.historyLength ?? null,
    serverHistorySizeBytes: d.historySize ?? null,
    protobufBytes: typeof message?.encode === 'function' ? message.encode(history).finish().length : null,
    jsonBytes: Buffer.byteLength(json),
    byType: Object.fromEntries(Object.entries(byType).sort(([, a], [, b]) => b - a)),
    largestEvent: largest,
    largestEvents: sized.slice(0, 5),
    largestPayloadBytes: largestPayload(events),
  };
}

/**
 * The reset activity on its own, outside any workflow (MockActivityEnvironment gives it an activity context):
 * batches of `batchSize` called one after the other, as drFailover's reset step calls them.
 */
export async function resetActivityDirect(
  pairInput: PairConfigInput,
  plan: readonly GroupTarget[],
  batchSize: number,
  concurrency: number,
): Promise<{ ms: number }> {
  const activities = createActivities(defaultDeps(localStackEnv({})));
  const pair: PairConfig = PairConfigSchema.parse(pairInput);
  type Batch = Parameters<typeof activities.resetGroups>[1];
  const env = new MockActivityEnvironment();
  const started = performance.now();
  for (let i = 0; i < plan.length; i += batchSize) {
    const r = (await env.run(activities.resetGroups, pair, plan.slice(i, i + batchSize) as unknown as Batch, {
      concurrency,
    })) as Awaited<ReturnType<typeof activities.resetGroups>>;
    if (r.live.length || r.failed.length)
      throw new BenchRunError(
        `resetGroups: ${r.live.length} live, ${r.failed.length} failed (${r.failed[0]?.error ?? ''})`,
      );
  }
  return { ms: performance.now() - started };
}
