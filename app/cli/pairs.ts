// `kdr pairs`: the pairs file where the operator is, and each pair's last setup and failover runs.
import * as path from 'node:path';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { customDomain, DECLARED_IDENTITY_WARNING, describeAutoFailover, type PairConfig } from '../../src/config';
import { failbackWorkflowId } from '../../workflows/contract';
import { deadLetterTopic } from '../../src/connectors/eventbridge';
import type { WatchStatus } from '../../workflows/watch-view';
import { loadPairsFile, PAIRS_FILE_ENV, PairsFileError, type PairsFile } from '../../src/config/file';
import { isLoopbackTemporal } from '../../workflows/contract';
import type { TemporalTarget } from '../temporal-connection';
import { DrPairKey, DrPhaseKey } from '../../workflows/runner/search-attributes';
import { autoSeen } from './auto-seen';
import { CliError, ExitCode } from './errors';
import { failoverWorkflowId, findPairRun, RUNBOOKS, setupWorkflowId, verifyWorkflowId } from './temporal';
import { shortProfile, type FidelityProfile } from '../../src/kafka/fidelity';
import { PAIR_STATE_MEMO, type PairStage, type PairStateRecord } from '../../workflows/pair-state';

/**
 * --pairs-file, else $KDR_PAIRS_FILE, else (against the local dev server) the example pairs file the local
 * worker (`npm run dev`) serves.
 */
export function pairsFileLocation(
  option: string | undefined,
  target: TemporalTarget,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (option) return path.resolve(option);
  if (env[PAIRS_FILE_ENV]) return path.resolve(env[PAIRS_FILE_ENV] as string);
  // A dev server on this machine: the example pairs file the local worker (npm run dev) serves.
  if (isLoopbackTemporal(target.address)) return path.resolve(__dirname, '..', '..', 'config', 'pairs.example.jsonc');
  return undefined;
}

export function readPairs(file: string | undefined): PairsFile {
  if (!file) {
    throw new CliError(
      `no pairs file: set ${PAIRS_FILE_ENV} (or --pairs-file) to the file the worker reads`,
      ExitCode.notFound,
    );
  }
  try {
    return loadPairsFile(file);
  } catch (err) {
    if (err instanceof PairsFileError) {
      const code = /cannot read/.test(err.message) ? ExitCode.notFound : ExitCode.usage;
      throw new CliError(err.message.replace(/\n\s*/g, ' '), code);
    }
    throw err;
  }
}

/** Refuses a pair name the operator's pairs file does not know, listing the names it does. */
export function checkPairName(file: string | undefined, name: string): PairConfig | undefined {
  if (!file) return undefined; // nothing to check against: the worker decides
  const loaded = readPairs(file);
  const pair = loaded.pairs.get(name);
  if (!pair) {
    const known = [...loaded.pairs.keys()].join(', ') || 'none';
    throw new CliError(`no such pair: "${name}" is not in ${loaded.path} (pairs: ${known})`, ExitCode.notFound);
  }
  return pair;
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  phase?: string;
  startTime: string;
  closeTime?: string;
  /** The workflow that started this one (a switch-back's drFailover: its drFailback). */
  parent?: string;
  /** What a drFailback recorded about the pair (workflows/pair-state.ts). */
  pairState?: PairStateRecord;
}

export interface PairState {
  name: string;
  primary: string;
  secondary: string;
  replication: string;
  domain: string;
  setup?: RunSummary;
  failover?: RunSummary;
  /** The last drFailback run, when the pair has one (failed over -> re-protected). */
  failback?: RunSummary;
  /** The replicator's fidelity profile from the newest completed drSetup or drVerify run (what failover plans rely on). */
  fidelity?: { short: string; summary: string; measuredBy: string };
  /**
   * EventBridge pairs: the dead-letter topic on the secondary, and how many records drWatch last counted there
   * (absent when no watch answered).
   */
  deadLetter?: { topic: string; records?: number; at?: number };
  /** Other runs of the pair still going (e.g. started from the UI under another workflow id). */
  running: RunSummary[];
  /** How approvers prove who they are; `warning` for declared identity (anyone who can signal approves). */
  identity: { mode: 'declared' | 'signed'; warning?: string };
  /** The autoFailover policy of the pairs file in one line ("off ..." or "on: after ..."). */
  autoFailover: string;
  /** Where the pair is in its cycle (protected -> failed-over -> re-protected -> switching-back -> switched-back -> protected). */
  where: {
    stage: PairStage | 'not set up' | 'setting up' | 'failing over';
    active: 'primary' | 'secondary' | '?';
    replication: string;
    from: string;
  };
}

function summary(
  info: Pick<
    WorkflowExecutionInfo,
    'workflowId' | 'runId' | 'type' | 'status' | 'typedSearchAttributes' | 'startTime' | 'closeTime'
  >,
): RunSummary {
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type: info.type,
    status: info.status.name,
    phase: info.typedSearchAttributes.get(DrPhaseKey),
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
  };
}

async function latest(client: Client, workflowId: string): Promise<RunSummary | undefined> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    const recorded = d.memo?.[PAIR_STATE_MEMO] as PairStateRecord | undefined;
    return {
      ...summary(d),
      ...(d.parentExecution?.workflowId ? { parent: d.parentExecution.workflowId } : {}),
      ...(recorded ? { pairState: recorded } : {}),
    };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export async function pairStates(client: Client, pairs: PairConfig[]): Promise<PairState[]> {
  return Promise.all(
    pairs.map(async (p) => {
      const [setup, failover, verify, failback] = await Promise.all([
        latest(client, setupWorkflowId(p.name)),
        latest(client, failoverWorkflowId(p.name)),
        latest(client, verifyWorkflowId(p.name)),
        latest(client, failbackWorkflowId(p.name)),
      ]);
      const running: RunSummary[] = [];
      const query = `${DrPairKey.name} = ${JSON.stringify(p.name)} AND ExecutionStatus = "Running" AND WorkflowType IN ("${RUNBOOKS.setup}", "${RUNBOOKS.failover}")`;
      for await (const info of client.workflow.list({ query, pageSize: 20 })) {
        if (info.workflowId !== setup?.workflowId && info.workflowId !== failover?.workflowId)
          running.push(summary(info));
        if (running.length >= 10) break;
      }
      return {
        name: p.name,
        primary: `${p.primary.provider} ${p.primary.endpointHost}`,
        secondary: `${p.secondary.provider} ${p.secondary.endpointHost}`,
        replication: p.replication.provider,
        domain: customDomain(p),
        setup,
        failover,
        running,
        identity:
          p.approval.identity === 'declared'
            ? { mode: 'declared', warning: DECLARED_IDENTITY_WARNING }
            : { mode: 'signed' },
        autoFailover:
          describeAutoFailover(p.autoFailover) + (p.autoFailover?.enabled ? await autoSeen(client, p.name) : ''),
        where: whereIs(setup, failover, failback),
        ...(failback ? { failback } : {}),
        ...(await newestProfile(client, [setup, verify])),
        ...(p.replication.provider === 'eventbridge' ? { deadLetter: await deadLetterSeen(client, p.name) } : {}),
      };
    }),
  );
}

const WATCH_QUERY_MS = 3_000;

/** The dead-letter count of drWatch's last check (query `watch`), bounded: a watch with no worker must not hang `kdr pairs`. */
async function deadLetterSeen(client: Client, pair: string): Promise<NonNullable<PairState['deadLetter']>> {
  const topic = deadLetterTopic(pair);
  let timer: NodeJS.Timeout | undefined;
  try {
    const running = await findPairRun({ client }, 'watch', pair, { running: true });
    if (!running) return { topic };
    const handle = client.workflow.getHandle(running.description.workflowId);
    const status = await Promise.race([
      handle.query<WatchStatus>('watch'),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), WATCH_QUERY_MS);
      }),
    ]);
    const seen = status?.last?.deadLetter;
    return seen ? { topic, records: seen.records, at: status!.last!.at } : { topic };
  } catch {
    return { topic };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** One line for the operator: where the pair's dead letters are and how many drWatch saw. */
export function describeDeadLetter(d: NonNullable<PairState['deadLetter']>): string {
  if (d.records === undefined) return `dead-letter topic ${d.topic} on the secondary (no running drWatch counted it)`;
  const when = d.at ? new Date(d.at).toISOString().slice(0, 16).replace('T', ' ') : '?';
  return `dead-letter topic ${d.topic} on the secondary: ${d.records} record(s)${d.records > 0 ? ' NOT replicated (replay them)' : ''} (drWatch ${when})`;
}

/** The fidelity measured by the newest completed run among `runs` (drSetup's and drVerify's results carry it). */
async function newestProfile(
  client: Client,
  runs: (RunSummary | undefined)[],
): Promise<{ fidelity?: PairState['fidelity'] }> {
  const done = runs
    .filter((r): r is RunSummary => r?.status === 'COMPLETED')
    .sort((a, b) => (b.closeTime ?? '').localeCompare(a.closeTime ?? ''));
  for (const r of done) {
    type Measured = {
      fidelity?: FidelityProfile;
      fidelitySummary?: string;
      verify?: { fidelity?: FidelityProfile; fidelitySummary?: string };
    };
    const result = (await client.workflow
      .getHandle(r.workflowId, r.runId)
      .result()
      .catch(() => undefined)) as Measured | undefined;
    const m = result?.verify ?? result;
    if (m?.fidelity)
      return {
        fidelity: {
          short: shortProfile(m.fidelity),
          summary: m.fidelitySummary ?? '',
          measuredBy: `${r.type} ${r.workflowId}`,
        },
      };
  }
  return {};
}

/**
 * The newest word on the pair: a failback's own record when it is newer than the last forward failover (a
 * switch-back's drFailover is the failback's child, not a failover of its own), else the failover's or the
 * setup's outcome. Read from Temporal only: the CNAME and replication are checked by the runbooks themselves.
 */
export function whereIs(
  setup: RunSummary | undefined,
  failover: RunSummary | undefined,
  failback: RunSummary | undefined,
): PairState['where'] {
  const forward = failover && !(failover.parent && failover.parent === failback?.workflowId) ? failover : undefined;
  if (failback?.pairState && (!forward || failback.startTime > forward.startTime)) {
    const r = failback.pairState;
    return {
      stage: r.stage,
      active: r.active,
      replication: r.replication,
      from: `${failback.workflowId} at ${r.at.slice(0, 16).replace('T', ' ')}`,
    };
  }
  if (forward?.status === 'RUNNING')
    return { stage: 'failing over', active: '?', replication: 'forward', from: forward.workflowId };
  if (forward?.status === 'COMPLETED')
    return { stage: 'failed-over', active: 'secondary', replication: 'none', from: forward.workflowId };
  if (setup?.status === 'COMPLETED')
    return { stage: 'protected', active: 'primary', replication: 'forward', from: setup.workflowId };
  if (setup?.status === 'RUNNING')
    return { stage: 'setting up', active: 'primary', replication: '?', from: setup.workflowId };
  return { stage: 'not set up', active: '?', replication: '?', from: '-' };
}

export function describeRun(r: RunSummary | undefined): string {
  if (!r) return '-';
  const when = (r.closeTime ?? r.startTime).slice(0, 16).replace('T', ' ');
  return `${r.status.toLowerCase()}${r.phase && r.status === 'RUNNING' ? ` (${r.phase})` : ''} ${when}`;
}
