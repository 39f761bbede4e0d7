// Switch the CNAME to the secondary, audited, wait until resolvers follow it, and (patched) stop the forward watch.
import { patched, workflowInfo } from '@temporalio/workflow';
import type { PairConfig } from '../../src/config';
import type { StepContext } from '../runner';
import { waitForDns } from '../shared';
import { stopWatch } from '../watch-start';
import { acts } from '../acts';
import type { FailoverRun } from './steps';

export async function switchCname(run: FailoverRun, step: StepContext, pair: PairConfig, requestedBy: string) {
  const change = await acts(step).ensureCname(pair, pair.secondary.endpointHost);
  run.audit({
    action: 'cname',
    note: `${change.domain}: ${change.before ?? '(none)'} -> ${change.after} (${change.action}; ${change.records.length} record(s))`,
  });
  const seen = await waitForDns(step, pair, pair.secondary.endpointHost, { acceptAfterTtl: true });
  // The forward watch describes a direction that no longer serves clients (drFailback starts the reverse one).
  const watch = patched('failover-stops-forward-watch')
    ? `; watch: ${await stopWatch(pair, requestedBy, `pair failed over to ${pair.secondary.endpointHost} by ${workflowInfo().workflowId}`)}`
    : '';
  step.summary(
    `${change.domain}: ${change.records.map((r) => `[${r.line}] ${r.before ?? '(none)'} -> ${change.after} (${r.action})`).join(', ')}; ${seen.summary}${watch}`,
  );
  return { ...change, resolvers: seen.answers };
}
