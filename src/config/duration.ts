// Durations in inputs are written the way operators write them ('1h', '30 minutes', '500ms') or as a number of
// milliseconds. They are normalised to milliseconds at validation time, so workflow code never parses strings.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i;

/** Milliseconds for '90s', '1.5 hours', '250ms' or a non-negative number of ms; undefined when not a duration. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value);
  if (!m) return undefined;
  const unit = UNIT_MS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** Compact human form of a duration, for summaries and reports: 3600000 -> '1h', 1500 -> '1.5s'. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${trim(ms / 1_000)}s`;
  if (ms < 3_600_000) return `${trim(ms / 60_000)}m`;
  return `${trim(ms / 3_600_000)}h`;
}

function trim(n: number): string {
  return String(Math.round(n * 10) / 10);
}
