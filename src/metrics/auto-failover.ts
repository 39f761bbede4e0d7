// The automatic failover's metrics: what the watch and drFailover reported (activities/auto-failover.ts). The down
// clock is a gauge computed at scrape time, so it grows between checks; it reads 0 when no clock runs.
import type { AutoFailoverEvent } from '../auto-failover/events';
import { pagesSomeone } from '../auto-failover/events';
import { registry } from './kdr';

const total = registry.counter(
  'kdr_auto_failover_total',
  'Automatic failover events by pair and event (started, vetoed, approved_early, aborted, held, partition, unsafe)',
);
const atRisk = registry.gauge(
  'kdr_auto_failover_at_risk_records',
  "The watch's estimate of the primary's records not on the secondary, when the primary went silent (last report)",
);
const downSince = new Map<string, number>();
registry.computed(
  'kdr_auto_failover_down_seconds',
  'How long a quorum of probes has seen the primary down without a break (0: no down clock runs)',
  (now) => [...downSince].map(([pair, since]) => [{ pair }, since > 0 ? Math.max(0, now - since) / 1000 : 0]),
);

export function observeAutoFailover(e: AutoFailoverEvent): void {
  if (pagesSomeone(e)) total.inc({ pair: e.pair, event: e.event });
  if (e.event === 'clock-stopped') downSince.set(e.pair, 0);
  else if (e.downSince !== undefined) downSince.set(e.pair, e.downSince);
  if (e.atRisk?.records !== null && e.atRisk?.records !== undefined) atRisk.set({ pair: e.pair }, e.atRisk.records);
}
