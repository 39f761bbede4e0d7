// The precision benchmark's counting and tables (pure: no I/O). Per group and method, from the applications'
// own records: lost = a record on the secondary that the application had not processed and the replay did
// not deliver; re-delivered = a replayed record the application had already processed (repeats counted).

export const METHODS = ['kafka-dr', 'checkpoint', 'timestamp', 'earliest'] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_TITLES: Record<Method, string> = {
  'kafka-dr': "kafka-dr's plan (real drFailover run)",
  checkpoint: 'MM2 checkpoints alone (RemoteClusterUtils.translateOffsets)',
  timestamp: "timestamp alone (offsetsForTimes of the group's last processed record time)",
  earliest: 'earliest',
};

export interface MethodOutcome {
  method: Method;
  lost: number;
  redelivered: number;
  /** redelivered / processed; null when the group processed nothing. */
  share: number | null;
  /** Up to 10 lost values, to look them up. */
  lostSample: string[];
  /** Offsets set on the secondary before the replay, per partition (null: none, the application's earliest applies). */
  targets: (number | null)[];
  /** Records the replay read. */
  replayed: number;
  note?: string;
}

export interface GroupResult {
  group: string;
  /** What the group is in the scenario: keeps up, far behind, committed on some partitions only, ... */
  kind: string;
  topic: string;
  partitions: number;
  /** Distinct records the application processed. */
  processed: number;
  /** Records on the secondary the application had not processed (what must be delivered). */
  unprocessed: number;
  /** Processed after the application's last acknowledged commit: re-read by any method that starts from commits. */
  uncommitted: number;
  /**
   * Issue 9's target for kafka-dr's re-deliveries: 0 in a planned switchover with stopped applications; in an
   * outage with drWatch running, what the group processed in one snapshot interval plus its own commit interval
   * (counted by record time before its newest processed record). Null: no target for the scenario.
   */
  target: number | null;
  /** The plan's stated duplicate bound for the group, and its sources. */
  bound: number | null;
  sources: Record<string, number>;
  outcomes: MethodOutcome[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  replication: string;
  outage: boolean;
  /** drWatch ran (position snapshots every watchIntervalMs) from drSetup to the failover. */
  watch: boolean;
  /** Acknowledged by the primary but never on the secondary (the outage's RPO, not any method's loss). */
  notReplicated: number;
  recordsOnSecondary: number;
  workflowId: string | null;
  planId: string | null;
  failoverMs: number | null;
  durationMs: number;
  groups: GroupResult[];
  error?: string;
}

/** lost and re-delivered for one replay. `resent`: values the producer had to send again (may be in the log twice). */
export function count(
  processed: ReadonlySet<string>,
  onSecondary: ReadonlySet<string>,
  replayed: readonly string[],
  resent: ReadonlySet<string> = new Set(),
): { lost: string[]; redelivered: number } {
  const delivered = new Set(replayed);
  const lost = [...onSecondary].filter((v) => !processed.has(v) && !delivered.has(v));
  const redelivered = replayed.filter((v) => processed.has(v) && !resent.has(v)).length;
  return { lost, redelivered };
}

export function outcome(
  method: Method,
  processed: ReadonlySet<string>,
  onSecondary: ReadonlySet<string>,
  replayed: readonly string[],
  targets: (number | null)[],
  resent?: ReadonlySet<string>,
  note?: string,
): MethodOutcome {
  const { lost, redelivered } = count(processed, onSecondary, replayed, resent);
  return {
    method,
    lost: lost.length,
    redelivered,
    share: processed.size ? redelivered / processed.size : null,
    lostSample: lost.slice(0, 10),
    targets,
    replayed: replayed.length,
    ...(note ? { note } : {}),
  };
}

/** What makes the benchmark fail: kafka-dr's plan lost a record, or re-delivered more than its stated bound. */
export function violations(scenarios: readonly ScenarioResult[]): string[] {
  const out: string[] = [];
  for (const s of scenarios) {
    if (s.error) out.push(`${s.id}: ${s.error}`);
    for (const g of s.groups) {
      const a = g.outcomes.find((o) => o.method === 'kafka-dr');
      if (!a) {
        out.push(`${s.id} ${g.kind}: no kafka-dr outcome`);
        continue;
      }
      if (a.lost > 0)
        out.push(
          `${s.id} ${g.kind} (${g.group}): kafka-dr's plan lost ${a.lost} record(s): ${a.lostSample.join(', ')}`,
        );
      if (g.bound === null) out.push(`${s.id} ${g.kind} (${g.group}): the plan has no bound for the group`);
      else if (a.redelivered > g.bound)
        out.push(
          `${s.id} ${g.kind} (${g.group}): kafka-dr re-delivered ${a.redelivered}, above its stated bound ${g.bound}`,
        );
    }
  }
  return out;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`);

function cell(o: MethodOutcome | undefined): string {
  if (!o) return '-';
  return `${o.lost} / ${o.redelivered} (${pct(o.share)})`;
}

/** How much kafka-dr re-delivers compared with a baseline: "12x fewer", "same", "n/a". */
export function ratio(kdr: MethodOutcome | undefined, base: MethodOutcome | undefined): string {
  if (!kdr || !base) return 'n/a';
  if (kdr.redelivered === base.redelivered) return 'same';
  if (kdr.redelivered === 0) return `0 vs ${base.redelivered}`;
  const r = base.redelivered / kdr.redelivered;
  return r >= 1 ? `${r.toFixed(r < 10 ? 1 : 0)}x fewer` : `${(1 / r).toFixed(1)}x more`;
}

export function rowsOf(s: ScenarioResult): string[][] {
  return s.groups.map((g) => {
    const by = (m: Method) => g.outcomes.find((o) => o.method === m);
    return [
      g.kind,
      `${g.partitions}`,
      `${g.processed}`,
      `${g.unprocessed}`,
      `${g.uncommitted}`,
      cell(by('kafka-dr')),
      g.bound === null ? '-' : `${g.bound}`,
      targetCell(g),
      cell(by('checkpoint')),
      cell(by('timestamp')),
      cell(by('earliest')),
      `${ratio(by('kafka-dr'), by('checkpoint'))}; ${ratio(by('kafka-dr'), by('timestamp'))}; ${ratio(by('kafka-dr'), by('earliest'))}`,
      Object.entries(g.sources)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-',
    ];
  });
}

/** "<= N met" / "<= N MISSED" / "-". */
export function targetCell(g: GroupResult): string {
  if (g.target === null) return '-';
  const a = g.outcomes.find((o) => o.method === 'kafka-dr');
  return `<= ${g.target} ${a && a.lost === 0 && a.redelivered <= g.target ? 'met' : 'MISSED'}`;
}

export const HEADER = [
  'group',
  'partitions',
  'processed',
  'unprocessed',
  'uncommitted',
  'kafka-dr lost / re-del (share)',
  'plan bound',
  'issue-9 target',
  'checkpoint lost / re-del',
  'timestamp lost / re-del',
  'earliest lost / re-del',
  'kafka-dr re-del vs checkpoint; timestamp; earliest',
  'kafka-dr sources',
];

export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function scenarioHeading(s: ScenarioResult): string {
  return (
    `${s.title} — ${s.replication}; drWatch ${s.watch ? 'running' : 'not running'}; ${s.recordsOnSecondary} records on the secondary` +
    (s.outage ? `, ${s.notReplicated} acknowledged by the primary but never replicated (RPO)` : '') +
    (s.failoverMs !== null ? `; drFailover start -> done ${(s.failoverMs / 1000).toFixed(1)} s` : '')
  );
}

export function precisionMarkdown(r: {
  generatedAt: string;
  runtimeMs: number;
  scenarios: ScenarioResult[];
  violations: string[];
  environment: Record<string, unknown>;
  config: Record<string, unknown>;
}): string {
  const lines = [
    '# Precision benchmark results (generated)',
    '',
    `Written by \`npm run bench -- precision\` on ${r.generatedAt} (runtime ${(r.runtimeMs / 1000).toFixed(0)} s); how it measures: ` +
      '[../benchmarks.md](../benchmarks.md#precision-lost-and-re-delivered-records-per-method). Raw figures: [precision.json](precision.json).',
    '',
    "Each cell: **lost / re-delivered (re-delivered as a share of what the group processed)**, counted from the applications' own records. " +
      '"uncommitted": records the application processed after its last acknowledged commit (any method that starts from commits re-reads them).',
    '',
  ];
  for (const s of r.scenarios) {
    lines.push(`## ${s.id}`, '', scenarioHeading(s), '');
    if (s.error) lines.push(`**Failed:** ${s.error}`, '');
    if (s.groups.length) lines.push(markdownTable(HEADER, rowsOf(s)), '');
    const notes = s.groups.flatMap((g) =>
      g.outcomes.filter((o) => o.note).map((o) => `${g.kind}, ${o.method}: ${o.note}`),
    );
    if (notes.length) lines.push(...notes.map((n) => `- ${n}`), '');
  }
  lines.push(
    '## Verdict',
    '',
    r.violations.length
      ? r.violations.map((v) => `- **${v}**`).join('\n')
      : "- kafka-dr's plan lost 0 records and stayed within its stated bound for every group.",
    '',
  );
  lines.push('## Configuration', '', ...Object.entries(r.config).map(([k, v]) => `- ${k}: ${JSON.stringify(v)}`), '');
  lines.push('## Environment', '', ...Object.entries(r.environment).map(([k, v]) => `- ${k}: ${v ?? '?'}`), '');
  return lines.join('\n');
}
