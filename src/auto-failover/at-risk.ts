// How much of the primary's data an automatic failover may lose: what drWatch last saw unreplicated (the lag in
// records, the replication latency) plus the time since that measurement, when nothing proves replication went on.
// Pure: drWatch computes it in workflow code from its last ticks.

export interface AtRiskEstimate {
  /** Records on the primary not (proven) on the secondary when it went silent; null when never measured. */
  records: number | null;
  /** Seconds of the primary's traffic not (proven) replicated: latency + time since the last measurement. */
  seconds: number | null;
  /** How the figure was obtained, for the page and the audit trail. */
  basis: string;
}

export interface LastMeasurement {
  /** When the watch last read both sides (epoch ms). */
  at: number;
  /** Sum of per-partition end-offset differences (primary minus secondary) at that time. */
  lagRecords: number;
  /** Replication latency at that time (canary or newest replicated record). */
  latencyMs: number;
}

export function estimateAtRisk(last: LastMeasurement | undefined, silentSince: number): AtRiskEstimate {
  if (!last) return { records: null, seconds: null, basis: 'no measurement of both sides since the watch started' };
  const blindMs = Math.max(0, silentSince - last.at);
  const seconds = Math.ceil((last.latencyMs + blindMs) / 1000);
  return {
    records: last.lagRecords,
    seconds,
    basis:
      `lag ${last.lagRecords} record(s) and latency ${last.latencyMs} ms measured ${new Date(last.at).toISOString()}, ` +
      `${Math.round(blindMs / 1000)} s before the primary went silent`,
  };
}

/** The limit an estimate exceeds, in words; undefined when within maxAtRisk. An unknown figure never fits a bound. */
export function exceeds(
  estimate: AtRiskEstimate,
  max: { seconds?: number; records?: number } | undefined,
): string | undefined {
  if (!max) return 'no maxAtRisk is set';
  if (max.records !== undefined) {
    if (estimate.records === null) return `records at risk unknown (maxAtRisk.records ${max.records})`;
    if (estimate.records > max.records) return `${estimate.records} records at risk > maxAtRisk.records ${max.records}`;
  }
  if (max.seconds !== undefined) {
    if (estimate.seconds === null) return `seconds at risk unknown (maxAtRisk.seconds ${max.seconds})`;
    if (estimate.seconds > max.seconds) return `${estimate.seconds} s at risk > maxAtRisk.seconds ${max.seconds}`;
  }
  return undefined;
}
