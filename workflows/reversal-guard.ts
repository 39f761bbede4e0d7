// drSetup must never silently undo a failover: after one, the custom domain's CNAME points at the secondary,
// and setup would point it back at the old primary and resume replication the wrong way round. The guard reads
// the CNAME before anything is changed and blocks the run when it points at the secondary.
import { patched } from '@temporalio/workflow';
import type { PairConfig } from '../src/config';
import type { StepContext } from './runner';
import { stepFailure } from './runner';
import { acts } from './acts';

const sameHost = (a: string, b: string) => a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/** Throws (the step blocks; nothing has been changed) when the pair's CNAME points at its secondary. */
export async function refuseIfFailedOver(
  step: StepContext,
  pair: PairConfig,
  audit: (note: string) => void,
): Promise<void> {
  const cname = await acts(step).readCname(pair);
  if (cname.target !== null && sameHost(cname.target, pair.secondary.endpointHost)) {
    const message =
      `this pair has failed over; use failback: ${cname.domain} points at the secondary (${cname.target}). ` +
      'drSetup changed nothing (CNAME, connectors, event streams); it would point clients back at the old primary and ' +
      'copy in the wrong direction. Abort this run; fail back with the failback runbook once the primary is repaired.';
    audit(message);
    throw stepFailure('PairFailedOver', message);
  }
  // After a switch-back moved the CNAME but before forward replication runs again, the CNAME alone looks protected:
  // setup would then resume forward replication from its stale positions while the reverse one still exists.
  if (patched('setup-refuses-during-failback')) {
    const reverse = await acts(step).reverseReplicationState(pair);
    if (reverse.state !== 'absent' && !reverse.state.startsWith('unknown')) {
      const message =
        `this pair replicates in reverse (${reverse.id} ${reverse.state}): a failback is not finished. drSetup changed nothing. ` +
        `Finish it with the failback runbook (stage switch-back), which restores forward replication at exact positions.`;
      audit(message);
      throw stepFailure('PairFailedOver', message);
    }
  }
  step.summary(
    `${cname.domain} ${cname.target === null ? 'has no CNAME yet' : `points at ${cname.target}`}: not failed over`,
  );
}
