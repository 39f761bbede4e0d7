// Figures into a table: medians, per-group cost, ratios against drFailover's reset step, and the issue's
// targets judged as met or missed (with by how much). Pure: no I/O.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export type MethodId =
  | 'plan-step'
  | 'reset-step'
  | 'failover-approval-to-done'
  | 'reset-activity-direct'
  | 'bare-kafkajs'
  | 'tool-loop'
  | 'tool-one-jvm';

export const METHOD_TITLES: Record<MethodId, string> = {
  'plan-step': "drFailover's plan step (evidence + plan, real run)",
  'reset-step': "drFailover's reset step (real run)",
  'failover-approval-to-done': 'drFailover approval -> done (whole run)',
  'reset-activity-direct': 'resetGroups activity alone (no workflow)',
  'bare-kafkajs': 'bare kafkajs script (floor)',
  'tool-loop': 'kafka-consumer-groups.sh per group',
  'tool-one-jvm': 'kafka-consumer-groups.sh, one JVM, every group',
};

export interface Measurement {
  method: MethodId;
  groups: number;
  /** Every timed repetition, ms (for the tool sample: the sample's time, not extrapolated). */
  samplesMs: number[];
  /** Groups each repetition actually reset (less than `groups` when sampled). */
  groupsMeasured: number;
  note?: string;
}

export interface Row {
  method: MethodId;
  title: string;
  groups: number;
  runs: number;
  /** Median wall time for `groups` groups (extrapolated linearly from the sample when sampled). */
  wallMs: number;
  /** The fastest and slowest repetition, scaled like wallMs. */
  minMs: number;
  maxMs: number;
  perGroupMs: number;
  /** wallMs / the reset step's wallMs for the same group count. */
  vsResetStep: number | null;
  extrapolated: boolean;
  note?: string;
}

export function rows(measurements: readonly Measurement[]): Row[] {
  const resetStep = new Map(
    measurements.filter((m) => m.method === 'reset-step').map((m) => [m.groups, median(m.samplesMs)]),
  );
  return measurements.map((m) => {
    const perGroupMs = median(m.samplesMs) / m.groupsMeasured;
    const wallMs = perGroupMs * m.groups;
    const base = resetStep.get(m.groups);
    return {
      method: m.method,
      title: METHOD_TITLES[m.method],
      groups: m.groups,
      runs: m.samplesMs.length,
      wallMs,
      minMs: (Math.min(...m.samplesMs) / m.groupsMeasured) * m.groups,
      maxMs: (Math.max(...m.samplesMs) / m.groupsMeasured) * m.groups,
      perGroupMs,
      vsResetStep: base ? wallMs / base : null,
      extrapolated: m.groupsMeasured !== m.groups,
      ...(m.note ? { note: m.note } : {}),
    };
  });
}

/** a[i] / b[i] for each round i that timed both methods at this group count. */
export function pairedRatios(measurements: readonly Measurement[], a: MethodId, b: MethodId, groups: number): number[] {
  const of = (m: MethodId) => measurements.find((x) => x.method === m && x.groups === groups)?.samplesMs ?? [];
  const [xs, ys] = [of(a), of(b)];
  return xs.slice(0, ys.length).map((x, i) => x / ys[i]);
}

export interface Target {
  what: string;
  groups: number;
  wanted: string;
  measured: string;
  met: boolean;
}

export function judgeTargets(
  table: readonly Row[],
  historyEvents: number | null,
  historyGroups: number,
  largestPayloadBytes: number | null = null,
  measurements?: readonly Measurement[],
): Target[] {
  const out: Target[] = [];
  const find = (method: MethodId, groups: number) => table.find((r) => r.method === method && r.groups === groups);
  for (const groups of [...new Set(table.map((r) => r.groups))].sort((a, b) => a - b)) {
    const step = find('reset-step', groups);
    const tool = find('tool-loop', groups);
    const bare = find('bare-kafkajs', groups);
    if (step && tool) {
      const x = tool.wallMs / step.wallMs;
      out.push({
        what: 'reset step vs kafka-consumer-groups.sh per group',
        groups,
        wanted: '>= 100x faster',
        measured: `${fmtRatio(x)} faster`,
        met: x >= 100,
      });
    }
    const plan = find('plan-step', groups);
    if (plan) {
      out.push({
        what: 'plan step (evidence from both clusters + plan)',
        groups,
        wanted: '<= 30 s',
        measured: fmtMs(plan.wallMs),
        met: plan.wallMs <= 30_000,
      });
    }
    const whole = find('failover-approval-to-done', groups);
    if (plan && whole && groups === historyGroups) {
      const ms = plan.wallMs + whole.wallMs;
      out.push({
        what: 'planned and applied (plan step + approval -> done)',
        groups,
        wanted: '< 1 min',
        measured: fmtMs(ms),
        met: ms < 60_000,
      });
    }
    const oneJvm = find('tool-one-jvm', groups);
    if (step && oneJvm) {
      // No target of its own: the fairer anchor (one JVM start in all), reported beside the per-group loop.
      const x = oneJvm.wallMs / step.wallMs;
      out.push({
        what: 'reset step vs kafka-consumer-groups.sh, one JVM for every group',
        groups,
        wanted: 'reported (no target)',
        measured: `${fmtRatio(x)} faster`,
        met: true,
      });
    }
    if (step && bare) {
      // Round by round when the rounds are known (each round times both, one after the other, so a slow moment
      // of the shared machine hits both): the median of those ratios, with their spread.
      const paired = measurements ? pairedRatios(measurements, 'reset-step', 'bare-kafkajs', groups) : [];
      const x = paired.length ? median(paired) : step.wallMs / bare.wallMs;
      const spread = paired.length
        ? ` (median of ${paired.length} rounds; min ${fmtRatio(Math.min(...paired))}, max ${fmtRatio(Math.max(...paired))})`
        : '';
      out.push({
        what: 'reset step vs bare kafkajs script',
        groups,
        wanted: '<= 1.5x the bare script (issue 25)',
        measured: `${fmtRatio(x)} the bare script${spread}`,
        met: x <= 1.5,
      });
    }
  }
  if (historyEvents !== null) {
    out.push({
      what: 'history of a whole failover run',
      groups: historyGroups,
      wanted: '< 1,000 events',
      measured: `${historyEvents} events`,
      met: historyEvents < 1000,
    });
  }
  if (largestPayloadBytes !== null) {
    out.push({
      what: 'largest payload in that history',
      groups: historyGroups,
      wanted: '< 2 MB (Temporal limit)',
      measured: `${(largestPayloadBytes / 1024).toFixed(0)} KiB`,
      met: largestPayloadBytes < 2 * 1024 * 1024,
    });
  }
  return out;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtRatio(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 10 ? `${x.toFixed(0)}x` : `${x.toFixed(2)}x`;
}

function cells(r: Row): string[] {
  return [
    r.title + (r.extrapolated ? ' *' : ''),
    String(r.groups),
    String(r.runs),
    fmtMs(r.wallMs),
    r.runs > 1 ? `${fmtMs(r.minMs)} - ${fmtMs(r.maxMs)}` : '-',
    fmtMs(r.perGroupMs),
    r.vsResetStep === null ? '-' : fmtRatio(r.vsResetStep),
  ];
}

const HEADER = ['method', 'groups', 'runs', 'wall time (median)', 'min - max', 'per group', 'vs reset step'];

/** Plain-text table for the terminal. */
export function textTable(table: readonly Row[]): string {
  const body = table.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(table: readonly Row[]): string {
  const body = table.map(cells);
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...body.map((c) => `| ${c.join(' | ')} |`),
  ].join('\n');
}
