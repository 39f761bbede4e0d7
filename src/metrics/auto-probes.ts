// The automatic failover's probes, counted by the worker that ran them (the remote probe worker counts its own):
// how often each vantage point saw the primary up, down or could not tell.
import type { ProbeReading } from '../auto-failover/decide';
import { registry } from './kdr';

const probes = registry.counter(
  'kdr_auto_probe_total',
  'Automatic failover probes of the primary run by this worker, by pair, probe (kafka, cloud, remote) and verdict',
);

export function observeProbe(pair: string, reading: Pick<ProbeReading, 'probe' | 'verdict'>): void {
  probes.inc({ pair, probe: reading.probe, verdict: reading.verdict });
}
