// `npm run bench -- evacuate`: a zone fails and 20 pairs must move (issue 25). On the local stack: 20 pairs (half
// MirrorMaker 2, half EventBridge; their own topics and domains) x 500 groups x 8 partitions = 10,000 groups
// (bench/evacuate-fixture.ts, built once and reused). Measured from the approval to every CNAME switched and every
// group reset (target <= 60 s), per pair and along the critical path (the pair that switched last), with the
// history's size (target < 2,000 events, no payload over 2 MB), for:
//   - the per-pair way (the baseline): 20 drFailover runs started at once, each approved as soon as all 20 plans
//     are ready (the best case of 20 people approving at the same moment);
//   - drEvacuate (one run, one approval), in the same run, when the worker has it (workflows/dr-evacuate.ts).
// Writes docs/benchmarks/evacuate.{json,md}. Knobs: KDR_EVAC_PAIRS, KDR_EVAC_GROUPS, KDR_BENCH_KEEP=1 (keep the
// estate for the next run), KDR_EVAC_SKIP_EVACUATE=1 (baseline only),
// KDR_EVAC_SKIP_BASELINE=1 (drEvacuate only), KDR_EVAC_WAIT_S (wait for other evacuations, 900),
// KDR_EVAC_WFT_TIMEOUT_S (workflow task timeout of the runs it starts), KDR_BENCH_OUT.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { repoRoot } from '../stack/local-stack';
import { testEnv, withKdrWorker } from '../stack/harness/kdr';
import { ensureStack } from '../stack/harness/stack';
import { closeTemporal, temporal } from '../stack/harness/temporal';
import { statusQuery } from '../workflows/definitions';
import type { RunStatus } from '../workflows/runner';
import {
  APPROVED_BY,
  REQUESTED_BY,
  historyFigures,
  runFailover,
  type FailoverRun,
  type HistoryFigures,
} from './failover';
import {
  closeEstate,
  ensureEstate,
  estatePairConfig,
  forgetOnSecondary,
  removeEstate,
  type Estate,
  type EstatePair,
} from './evacuate-fixture';
import { fmtMs, fmtRatio } from './report';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}=${raw}: expected a positive integer, or unset it for ${fallback}`);
  return n;
}

const config = {
  pairs: intEnv('KDR_EVAC_PAIRS', 20),
  groupsPerPair: intEnv('KDR_EVAC_GROUPS', 500),
  recordsPerPartition: 200,
  keep: process.env.KDR_BENCH_KEEP === '1',
  skipEvacuate: process.env.KDR_EVAC_SKIP_EVACUATE === '1',
  skipBaseline: process.env.KDR_EVAC_SKIP_BASELINE === '1',
  /** How long drEvacuate waits for other sessions' evacuations to end (one runs at a time per namespace). */
  waitForOthersMs: intEnv('KDR_EVAC_WAIT_S', 900) * 1000,
  /**
   * Temporal's workflow task timeout for the runs the bench starts (the per-pair runs and drEvacuate itself, not
   * drEvacuate's children): unset, the server's 10 s, as kdr starts them. To see what a longer one does under load.
   */
  workflowTaskTimeout: process.env.KDR_EVAC_WFT_TIMEOUT_S
    ? (`${intEnv('KDR_EVAC_WFT_TIMEOUT_S', 10)}s` as Duration)
    : undefined,
  targetMs: 60_000,
  historyEvents: 2_000,
  payloadBytes: 2 * 1024 * 1024,
  out: path.resolve(process.env.KDR_BENCH_OUT ?? path.join(repoRoot, 'docs', 'benchmarks')),
};

const log = (line: string) => console.log(`[bench evacuate ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** One pair's figures, from its drFailover's own step table (workflow time) and the approval's send time. */
export interface PairFigures {
  pair: string;
  replication: EstatePair['replication'];
  workflowId: string;
  groups: number;
  /** Approval sent (the evacuation's, or the pair's own) -> the pair's reset-offsets step ended. */
  resetDoneMs: number;
  /** Approval sent -> the pair's switch-cname step ended. */
  switchedMs: number;
  /** The pair's own steps after the approval, as its step table has them. */
  steps: { name: string; durationMs: number | null }[];
}

export interface MethodFigures {
  method: 'per-pair drFailover x N' | 'drEvacuate';
  /** First approval sent -> the last pair's CNAME switched (every group is reset before its pair's switch). */
  approvalToAllSwitchedMs: number;
  approvalToAllResetMs: number;
  pairs: PairFigures[];
  criticalPath: { pair: string; switchedMs: number; steps: { name: string; durationMs: number | null }[] };
  approvals: number;
  history: {
    runs: number;
    events: number;
    largestPayloadBytes: number;
    largestRun: HistoryFigures & { workflowId: string };
  };
  error?: string;
}

const AFTER_APPROVAL = ['freeze', 'reset-offsets', 'switch-cname'];

function pairFigures(
  p: EstatePair,
  workflowId: string,
  groups: number,
  approvalSentAt: number,
  steps: { name: string; durationMs?: number | null; endedAt?: string | null }[],
): PairFigures {
  const ended = (name: string) => {
    const s = steps.find((x) => x.name === name);
    if (!s?.endedAt)
      throw new Error(`${workflowId}: step ${name} has not ended (${JSON.stringify(s ?? null).slice(0, 200)})`);
    return Date.parse(s.endedAt) - approvalSentAt;
  };
  return {
    pair: workflowId.replace(/^dr-failover-|-failover$/g, ''),
    replication: p.replication,
    workflowId,
    groups,
    resetDoneMs: ended('reset-offsets'),
    switchedMs: ended('switch-cname'),
    steps: steps
      .filter((s) => AFTER_APPROVAL.includes(s.name))
      .map((s) => ({ name: s.name, durationMs: s.durationMs ?? null })),
  };
}

function summarise(
  method: MethodFigures['method'],
  pairs: PairFigures[],
  approvals: number,
  offset: (p: PairFigures) => number,
  histories: (HistoryFigures & { workflowId: string })[],
): MethodFigures {
  // Every pair's times are from its own approval; `offset` moves them onto the first approval's clock.
  const last = pairs.reduce((a, b) => (b.switchedMs + offset(b) > a.switchedMs + offset(a) ? b : a));
  const largest = histories.reduce((a, b) => (b.events > a.events ? b : a));
  return {
    method,
    approvalToAllSwitchedMs: Math.max(...pairs.map((p) => p.switchedMs + offset(p))),
    approvalToAllResetMs: Math.max(...pairs.map((p) => p.resetDoneMs + offset(p))),
    pairs,
    criticalPath: { pair: last.pair, switchedMs: last.switchedMs + offset(last), steps: last.steps },
    approvals,
    history: {
      runs: histories.length,
      events: histories.reduce((n, h) => n + h.events, 0),
      largestPayloadBytes: Math.max(...histories.map((h) => h.largestPayloadBytes)),
      largestRun: largest,
    },
  };
}

/** The per-pair way: N drFailover runs started at once; all N approvals sent together once every plan is ready. */
async function perPair(client: Client, taskQueue: string, estate: Estate, names: string[]): Promise<MethodFigures> {
  let arrived = 0;
  let release!: () => void;
  const allPlanned = new Promise<void>((r) => (release = r));
  const arrive = () => {
    if (++arrived === estate.pairs.length) release();
  };
  const started = Date.now();
  const settled = await Promise.allSettled(
    estate.pairs.map(async (p, i) => {
      try {
        return await runFailover(client, taskQueue, {
          pair: estatePairConfig(p, names[i]),
          groupPattern: p.groupPattern,
          workflowId: `${names[i]}-failover`,
          expectGroups: p.groups.length,
          // Every status query is a workflow activation: 20 runs polled twice a second added 40 a second to a
          // worker already starved while they planned. The figures come from the step tables, not the polls.
          pollMs: 2_000,
          ...(config.workflowTaskTimeout ? { workflowTaskTimeout: config.workflowTaskTimeout } : {}),
          beforeApproval: async () => {
            arrive();
            await allPlanned;
          },
        });
      } catch (err) {
        arrive(); // a run that fails before its plan must not hold the others' approvals
        throw err;
      }
    }),
  );
  const failed = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [`${names[i]}: ${(s.reason as Error).message.slice(0, 300)}`] : [],
  );
  if (failed.length) throw new Error(`per-pair baseline: ${failed.length} run(s) failed: ${failed.join('; ')}`);
  const runs = settled.map((s) => (s as PromiseFulfilledResult<FailoverRun>).value);
  log(
    `per-pair: ${runs.length} plans ready ${fmtMs(Math.min(...runs.map((r) => r.approvalSentAt)) - started)} after the starts`,
  );
  const first = Math.min(...runs.map((r) => r.approvalSentAt));
  const pairs = runs.map((r, i) => pairFigures(estate.pairs[i], r.workflowId, r.groups, r.approvalSentAt, r.steps));
  const sentAt = new Map(runs.map((r) => [r.workflowId, r.approvalSentAt]));
  const histories = await Promise.all(
    runs.map(async (r) => ({ ...(await historyFigures(r.handle)), workflowId: r.workflowId })),
  );
  return summarise(
    'per-pair drFailover x N',
    pairs,
    runs.length,
    (p) => (sentAt.get(p.workflowId) ?? first) - first,
    histories,
  );
}

async function poll<T>(
  read: () => Promise<T>,
  done: (v: T) => boolean,
  what: string,
  boundMs: number,
  everyMs: number,
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
      throw new Error(
        `timed out after ${fmtMs(boundMs)} waiting for ${what}: ${lastError ? (lastError as Error).message : JSON.stringify(last)?.slice(0, 800)}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether this tree's worker registers drEvacuate (another helper is building it: issue 25 items 1-5). */
export function evacuateAvailable(): boolean {
  const file = path.join(repoRoot, 'workflows', 'index.ts');
  return (
    fs.existsSync(path.join(repoRoot, 'workflows', 'dr-evacuate.ts')) &&
    /\bdrEvacuate\b/.test(fs.readFileSync(file, 'utf8'))
  );
}

// By name, not by import: the bench compiles in a tree without drEvacuate (the TODO path above) and needs only
// these fields of the contract (src/config/evacuation.ts, workflows/evacuate/definitions.ts).
const EVACUATE_WORKFLOW_ID = 'dr-evacuate';
const EVACUATION_QUERY = 'evacuation';
interface EvacuationRow {
  pair: string;
  workflowId: string;
  switched: boolean;
  blocked?: { step: string; error: string };
}
interface EvacuationViewLike {
  phase: string;
  planId?: string;
  rows: EvacuationRow[];
}

/**
 * drEvacuate over the same estate: one run selecting the N pairs by name (the worker's pairs file holds them),
 * one approval of the evacuation plan, measured until every row has switched its CNAME; then each member's own
 * step table gives its times, as for the baseline. The members are stopped afterwards (the bench's pairs have no
 * connector to drain: a planned switchover would wait for one after the switch, outside what is measured).
 */
async function evacuation(client: Client, taskQueue: string, estate: Estate, names: string[]): Promise<MethodFigures> {
  const { handle, planned } = await startWhenAlone(client, taskQueue, names);
  const members = new Map<string, string>();
  try {
    const view = () => handle.query<EvacuationViewLike>(EVACUATION_QUERY);
    for (const r of planned.rows) members.set(r.pair, r.workflowId);
    const approvalSentAt = Date.now();
    await handle.signal('approve', { by: APPROVED_BY, planId: planned.planId, comment: 'benchmark' });
    const switched = await poll(
      view,
      (v) => v.rows.length === names.length && v.rows.every((r) => r.switched || r.blocked),
      'every pair of the evacuation to switch its CNAME',
      600_000,
      1_000,
    );
    // A member blocked after its switch (drain: no connector runs here to drain) has switched: what is measured.
    const blocked = switched.rows.filter((r) => r.blocked && !r.switched);
    if (blocked.length)
      throw new Error(
        `drEvacuate: ${blocked.length} pair(s) blocked: ${blocked
          .map((r) => `${r.pair} at ${r.blocked?.step}: ${r.blocked?.error}`)
          .join('; ')
          .slice(0, 600)}`,
      );
    const byName = new Map(names.map((n, i) => [n, estate.pairs[i]]));
    const pairs = await Promise.all(
      switched.rows.map(async (r) => {
        const s = await client.workflow.getHandle(r.workflowId).query(statusQuery);
        return pairFigures(
          byName.get(r.pair)!,
          r.workflowId,
          byName.get(r.pair)!.groups.length,
          approvalSentAt,
          s.steps,
        );
      }),
    );
    const history = { ...(await historyFigures(handle)), workflowId: EVACUATE_WORKFLOW_ID };
    return summarise('drEvacuate', pairs, 1, () => 0, [history]);
  } finally {
    await handle.terminate('benchmark measured').catch(() => undefined);
    for (const id of members.values())
      await client.workflow
        .getHandle(id)
        .terminate('benchmark measured')
        .catch(() => undefined);
  }
}

const OTHER_EVACUATION = /another evacuation is running/;

/** The running evacuations of the namespace (other sessions' tests share the local stack's Temporal). */
async function runningEvacuations(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = 'drEvacuate' AND ExecutionStatus = 'Running'` }))
    ids.push(`${w.workflowId} (task queue ${w.taskQueue}, started ${w.startTime.toISOString()})`);
  return ids;
}

/**
 * Starts drEvacuate once no other evacuation runs (kafka-dr allows one at a time per namespace, and tests of
 * other sessions start theirs on the shared stack), and waits for its plan; a start refused because another
 * began in between is tried again. Untimed: the measurement starts at the approval.
 */
async function startWhenAlone(client: Client, taskQueue: string, names: string[]) {
  const until = Date.now() + config.waitForOthersMs;
  for (let attempt = 1; ; attempt++) {
    await poll(
      () => runningEvacuations(client),
      (ids) => ids.length === 0,
      'other evacuations on the shared Temporal namespace to end (KDR_EVAC_WAIT_S)',
      Math.max(until - Date.now(), 1),
      2_000,
    );
    const handle: WorkflowHandle = await client.workflow.start('drEvacuate', {
      taskQueue,
      workflowId: EVACUATE_WORKFLOW_ID,
      ...(config.workflowTaskTimeout ? { workflowTaskTimeout: config.workflowTaskTimeout } : {}),
      args: [{ select: [{ pairs: names }], requestedBy: REQUESTED_BY, parallel: Math.min(names.length, 64) }],
    });
    await poll(
      () => handle.query(statusQuery),
      (s: RunStatus) => s.phase === 'awaiting-approval' || !!s.endedAt,
      'the evacuation plan to await approval',
      600_000,
      500,
    ).catch(async (err: Error) => {
      // Never left running: it would refuse every later evacuation on the namespace.
      await handle.terminate('benchmark: no plan in time').catch(() => undefined);
      throw err;
    });
    const planned = await handle.query<EvacuationViewLike>(EVACUATION_QUERY);
    if (planned.planId) return { handle, planned };
    const why = await whyEnded(handle);
    if (!OTHER_EVACUATION.test(why) || Date.now() > until)
      throw new Error(`drEvacuate ended before its approval: ${why}`);
    log(`drEvacuate refused (attempt ${attempt}): another evacuation started meanwhile; waiting for it to end`);
  }
}

/** A run that ended early: its failure, else its steps' last errors (a refusal is the select step's). */
async function whyEnded(handle: WorkflowHandle): Promise<string> {
  const s = await handle.query(statusQuery).catch(() => undefined);
  const steps = (s?.steps ?? [])
    .filter((x) => x.lastError || x.state === 'blocked' || x.state === 'aborted')
    .map((x) => `${x.name}: ${x.lastError ?? x.summary ?? x.state}`);
  const failure = await handle.result().then(
    () => undefined,
    (err: Error & { cause?: Error }) => `${err.message}${err.cause ? `: ${err.cause.message}` : ''}`,
  );
  return [`phase ${s?.phase ?? '?'}`, ...steps, ...(failure ? [failure] : [])].join('; ').slice(0, 1200);
}

/** Terminates the running workflows this run started: its per-pair runs, drEvacuate and its members. */
async function stopRuns(run: string, taskQueue: string | undefined): Promise<void> {
  const { client } = await temporal();
  const ours = [`WorkflowId STARTS_WITH 'kev-${run}-'`, `WorkflowId STARTS_WITH 'dr-failover-kev-${run}-'`];
  if (taskQueue) ours.push(`(WorkflowId = '${EVACUATE_WORKFLOW_ID}' AND TaskQueue = '${taskQueue}')`);
  for await (const w of client.workflow.list({ query: `ExecutionStatus = 'Running' AND (${ours.join(' OR ')})` }))
    await client.workflow
      .getHandle(w.workflowId, w.runId)
      .terminate('benchmark interrupted')
      .catch(() => undefined);
}

function pairsFile(estate: Estate, names: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-bench-evac-'));
  const file = path.join(dir, 'pairs.json');
  fs.writeFileSync(file, JSON.stringify({ pairs: estate.pairs.map((p, i) => estatePairConfig(p, names[i])) }, null, 2));
  return file;
}

export async function main(): Promise<void> {
  const started = Date.now();
  await ensureStack();
  const estate = await ensureEstate(
    { pairs: config.pairs, groupsPerPair: config.groupsPerPair, recordsPerPartition: config.recordsPerPartition },
    log,
  );
  // Fresh pair names per run (fresh DNS records: no pair is found already failed over), over the same estate.
  const run = Date.now().toString(36).slice(-6);
  const name = (kind: string, p: EstatePair) => `kev-${run}-${kind}${String(p.index).padStart(2, '0')}`;
  const baselineNames = estate.pairs.map((p) => name('b', p));
  const evacuateNames = estate.pairs.map((p) => name('e', p));
  const file = pairsFile(estate, evacuateNames);
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      if (config.keep) {
        log('KDR_BENCH_KEEP=1: the estate stays for the next run');
        await closeEstate(estate);
      } else {
        log('removing the estate (topics and groups on both clusters)');
        await removeEstate(estate, log);
      }
    })());
  let workerQueue: string | undefined;
  // Interrupted (Ctrl-C, a time bound's SIGTERM): the 10,000 groups must not stay on the shared stack, nor this
  // run's workflows wait forever for a worker that is gone (a running drEvacuate refuses every later one).
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping this run's workflows and removing the estate before exiting`);
    void stopRuns(run, workerQueue)
      .catch((err: Error) => log(`could not stop this run's workflows: ${err.message}`))
      .then(cleanup)
      .catch((err: Error) => log(`could not remove the estate: ${err.message}`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  const results: MethodFigures[] = [];
  let todo: string | undefined;
  try {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        workerQueue = taskQueue;
        await forgetOnSecondary(estate);
        if (config.skipBaseline) log('per-pair baseline not run: KDR_EVAC_SKIP_BASELINE=1');
        else {
          log(`per-pair: ${estate.pairs.length} drFailover runs started at once (${config.groupsPerPair} groups each)`);
          const base = await perPair(client, taskQueue, estate, baselineNames);
          results.push(base);
          log(
            `per-pair: approval -> every CNAME switched ${fmtMs(base.approvalToAllSwitchedMs)}, every group reset ${fmtMs(base.approvalToAllResetMs)}`,
          );
        }
        // TODO(issue 25, drEvacuate): runs when the worker registers drEvacuate; until then the baseline stands alone.
        if (config.skipEvacuate || !evacuateAvailable()) {
          todo = config.skipEvacuate
            ? 'KDR_EVAC_SKIP_EVACUATE=1'
            : 'drEvacuate is not in this tree yet (workflows/dr-evacuate.ts)';
          log(`drEvacuate not measured: ${todo}`);
          return;
        }
        await forgetOnSecondary(estate);
        log(`drEvacuate: one run over the same ${estate.pairs.length} pairs, one approval`);
        try {
          const evac = await evacuation(client, taskQueue, estate, evacuateNames);
          results.push(evac);
          log(`drEvacuate: approval -> every CNAME switched ${fmtMs(evac.approvalToAllSwitchedMs)}`);
        } catch (err) {
          todo = `drEvacuate failed in this run: ${(err as Error).message.slice(0, 800)}`;
          log(todo);
        }
      },
      { env: testEnv({ KDR_PAIRS_FILE: file }) },
    );
    const out = {
      generatedAt: new Date().toISOString(),
      benchRuntimeMs: Date.now() - started,
      config: { ...config, out: undefined },
      estate: {
        built: estate.built,
        setupMs: estate.setupMs,
        pairs: estate.pairs.map((p) => ({
          index: p.index,
          replication: p.replication,
          topic: p.topic,
          groups: p.groups.length,
        })),
      },
      results,
      ...(todo ? { drEvacuate: todo } : {}),
    };
    fs.mkdirSync(config.out, { recursive: true });
    fs.writeFileSync(path.join(config.out, 'evacuate.json'), `${JSON.stringify(out, null, 2)}\n`);
    fs.writeFileSync(path.join(config.out, 'evacuate.md'), markdown(out.generatedAt, results, todo));
    console.log(`\n${markdown(out.generatedAt, results, todo)}`);
    log(
      `written to ${path.relative(process.cwd(), config.out)}/evacuate.{json,md} (bench took ${fmtMs(Date.now() - started)})`,
    );
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await cleanup();
    await closeTemporal();
  }
}

function markdown(at: string, results: MethodFigures[], todo: string | undefined): string {
  const base = results.find((r) => r.method !== 'drEvacuate');
  const lines = [
    `# Evacuation benchmark (generated ${at})`,
    '',
    'How it measures: [../benchmarks.md](../benchmarks.md#evacuation-20-pairs-10000-groups). Raw figures: [evacuate.json](evacuate.json).',
    '',
    '| method | pairs | groups | approvals | approval -> every group reset | approval -> every CNAME switched | vs per-pair | history events (runs) | largest payload |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.method} | ${r.pairs.length} | ${r.pairs.reduce((n, p) => n + p.groups, 0)} | ${r.approvals} | ${fmtMs(r.approvalToAllResetMs)} | ` +
        `${fmtMs(r.approvalToAllSwitchedMs)} | ${base ? fmtRatio(r.approvalToAllSwitchedMs / base.approvalToAllSwitchedMs) : '-'} | ${r.history.events} (${r.history.runs}) | ` +
        `${(r.history.largestPayloadBytes / 1024).toFixed(0)} KiB |`,
    ),
    '',
    '## Targets (issue 25)',
    '',
    '| method | target | measured | |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of results) {
    const ev = r.method === 'drEvacuate' ? r.history.events : r.history.largestRun.events;
    lines.push(
      `| ${r.method} | approval -> every CNAME switched and every group reset <= 60 s | ${fmtMs(Math.max(r.approvalToAllSwitchedMs, r.approvalToAllResetMs))} | ${Math.max(r.approvalToAllSwitchedMs, r.approvalToAllResetMs) <= config.targetMs ? 'MET' : '**MISSED**'} |`,
    );
    lines.push(
      `| ${r.method} | history < 2,000 events${r.method === 'drEvacuate' ? '' : ' (largest single run)'} | ${ev} | ${ev < config.historyEvents ? 'MET' : '**MISSED**'} |`,
    );
    lines.push(
      `| ${r.method} | no payload over 2 MB | ${(r.history.largestPayloadBytes / 1024).toFixed(0)} KiB | ${r.history.largestPayloadBytes < config.payloadBytes ? 'MET' : '**MISSED**'} |`,
    );
  }
  if (todo) lines.push('', `drEvacuate: not measured in this run (${todo}).`);
  for (const r of results) {
    lines.push(
      '',
      `## ${r.method}: per pair (ms after the approval; critical path: ${r.criticalPath.pair}, switched at ${fmtMs(r.criticalPath.switchedMs)}: ` +
        `${r.criticalPath.steps.map((s) => `${s.name} ${s.durationMs ?? '-'}`).join(', ')})`,
      '',
      '| pair | replication | groups | reset done | CNAME switched | steps after approval (ms) |',
      '| --- | --- | ---: | ---: | ---: | --- |',
      ...[...r.pairs]
        .sort((a, b) => a.switchedMs - b.switchedMs)
        .map(
          (p) =>
            `| ${p.pair} | ${p.replication} | ${p.groups} | ${fmtMs(p.resetDoneMs)} | ${fmtMs(p.switchedMs)} | ` +
            `${p.steps.map((s) => `${s.name} ${s.durationMs ?? '-'}`).join(', ')} |`,
        ),
    );
  }
  return `${lines.join('\n')}\n`;
}
