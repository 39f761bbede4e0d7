// Assess both sides before anything is planned: the secondary's health, whether the primary answers, the connector,
// and (patched) the parity of the side the clients move to.
import { patched } from '@temporalio/workflow';
import type { PairConfig } from '../../src/config';
import { uncheckedReport, type ParityReport } from '../../src/parity/report';
import type { StepContext } from '../runner';
import { acts } from '../acts';

export async function assessSides(step: StepContext, pair: PairConfig, reverse: boolean | undefined) {
  let parity: ParityReport | undefined;
  const a = await acts(step).assess(pair);
  // What the clients will find on the side they move to (patched: runs recorded before replay without it).
  if (patched('parity-assess')) {
    const side = reverse ? 'primary' : 'secondary';
    parity = a.primaryReachable
      ? await acts(step).checkParity(pair, 'forward', side)
      : uncheckedReport(
          'forward',
          side,
          'the primary does not answer: its users, ACLs and topic configs cannot be read',
        );
  }
  // Gaps first: the summary is clipped, and they are what the approver must not miss.
  const gaps = parity && (!parity.checked || parity.total > 0) ? `PARITY: ${parity.summary}; ` : '';
  step.summary(
    gaps +
      `${a.primaryReachable ? 'primary answers (planned switchover / drill)' : `primary DOWN (${a.primaryError ?? 'no answer'})`}; ` +
      `secondary ${a.secondary.brokers} broker(s), ${a.topics.length} topics / ${a.partitions} partitions; connector ${a.connector.state}; ` +
      `newest replicated record ${a.newestReplicatedAt ? new Date(a.newestReplicatedAt).toISOString() : 'none'}; ` +
      `latency ${a.latency.ms} ms (${a.latency.source})` +
      (parity && !gaps ? `; ${parity.summary}` : ''),
  );
  return { assessment: a, parity };
}
