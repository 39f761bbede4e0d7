// drVerify: connector-verify on its own. Sends canary records through the pair's replicator and records what
// arrived: latency, lag, and the fidelity profile (partition, order, timestamp, key/value, headers kept or not)
// that every later failover plan relies on. Changes nothing: no connector, no CNAME, no offsets. Run it after
// the replicator or the service changes, and once on a real account to record the real profile
// (docs/alicloud-emulator.md, "Real-service checklist").
import { workflowInfo } from '@temporalio/workflow';
import { quick, verifying } from './activity-options';
import type { PairConfig } from '../src/config';
import { VerifyInputSchema } from '../src/config/verify-input';
import { runbook } from './runner';
import { resolvePair, verdictOfCanary } from './shared';
import { reportEvents } from './notify';
import { decisionGuard } from './approval-policy';
import { acts } from './acts';

export async function drVerify(raw: unknown) {
  const run = runbook('drVerify', {
    'load-pair': { title: 'Load and validate the pair', activities: quick },
    'connector-verify': { title: 'Connector-verify: canary, lag and fidelity profile', activities: verifying },
  });
  const input = run.input(VerifyInputSchema, raw);
  reportEvents(run, { inline: input.config !== undefined });
  run.setPair(input.pair ?? input.config?.name ?? 'unknown');
  const pair: PairConfig = await run.step('load-pair', (step) => resolvePair(step, input));
  run.setPair(pair.name, decisionGuard(pair));
  run.setDeadlines(pair.deadlines);

  const verify = await run.step('connector-verify', async (step) => {
    const act = acts(step);
    const topics = await act.listReplicatedTopics(pair);
    const canary = await act.runCanary(pair, workflowInfo().runId);
    const lag = await act.replicationLag(pair, topics);
    const verdict = verdictOfCanary(pair, canary, lag);
    // Not a failure: a slow or lagging replicator still has a profile worth recording.
    step.summary(
      `${verdict.ok ? 'within thresholds' : `OUTSIDE thresholds: ${verdict.summary}`}; fidelity ${canary.fidelitySummary}`,
    );
    return {
      ok: verdict.ok,
      summary: verdict.summary,
      latencyMs: canary.latencyMs,
      received: canary.received,
      produced: canary.produced,
      totalLag: lag.totalLag,
      fidelity: canary.fidelity,
      fidelitySummary: canary.fidelitySummary,
      ...(canary.deadLetter ? { deadLetter: canary.deadLetter } : {}),
    };
  });

  return run.finish({ pair: pair.name, replication: pair.replication.provider, measuredAt: Date.now(), ...verify });
}
