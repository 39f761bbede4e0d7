// What a parity check tells a run, a plan and an approver: counts by kind, the first gaps with their fixes (a
// bounded list: a cluster with 10,000 missing ACLs must not make a 10 MB history event), the applications that
// would be refused, and one sentence for a step summary or a plan. Pure: workflows import it.
import type { ParityGap } from './model';
import { refusedPrincipals } from './model';

/** Gaps listed in full; the rest are counted. */
export const MAX_LISTED_GAPS = 50;
const MAX_TEXT = 400;

export type ParityDirection = 'forward' | 'reverse';
export type GapCounts = Record<ParityGap['kind'], number>;

export interface ParityReport {
  direction: ParityDirection;
  /** The side that must serve the clients (forward: the secondary; reverse: the old primary). */
  target: string;
  /** False when a side could not be read (then `error` says why and nothing is known). */
  checked: boolean;
  error?: string;
  total: number;
  counts: GapCounts;
  /** The first MAX_LISTED_GAPS gaps, each with why and the exact fix (no `change`: that stays in the activity). */
  gaps: Omit<ParityGap, 'change'>[];
  /** Principals whose clients would be refused (missing user, missing ALLOW, a DENY only on the target). */
  refused: string[];
  summary: string;
}

const clip = (s: string | undefined) =>
  s === undefined || s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 3)}...`;

export function emptyCounts(): GapCounts {
  return { user: 0, acl: 0, 'topic-config': 0, 'topic-partitions': 0, instance: 0 };
}

export function parityReport(direction: ParityDirection, target: string, gaps: ParityGap[]): ParityReport {
  const counts = emptyCounts();
  for (const g of gaps) counts[g.kind]++;
  const refused = refusedPrincipals(gaps);
  return {
    direction,
    target,
    checked: true,
    total: gaps.length,
    counts,
    gaps: gaps.slice(0, MAX_LISTED_GAPS).map((g) => ({
      kind: g.kind,
      item: clip(g.item) as string,
      ...(g.primary !== undefined ? { primary: clip(g.primary) } : {}),
      ...(g.secondary !== undefined ? { secondary: clip(g.secondary) } : {}),
      why: clip(g.why) as string,
      fix: clip(g.fix) as string,
    })),
    refused: refused.slice(0, MAX_LISTED_GAPS),
    summary: paritySentence(counts, refused, target),
  };
}

export function uncheckedReport(direction: ParityDirection, target: string, error: string): ParityReport {
  return {
    direction,
    target,
    checked: false,
    error: clip(error),
    total: 0,
    counts: emptyCounts(),
    gaps: [],
    refused: [],
    summary: `parity not checked: ${clip(error)}`,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 users and 14 ACLs missing on the secondary: applications orders-app and billing will be refused". */
export function paritySentence(counts: GapCounts, refused: string[], target: string): string {
  const missing = [counts.user ? plural(counts.user, 'user') : '', counts.acl ? plural(counts.acl, 'ACL') : ''].filter(
    Boolean,
  );
  const differ = [
    counts['topic-config'] ? plural(counts['topic-config'], 'topic config') : '',
    counts['topic-partitions'] ? plural(counts['topic-partitions'], 'partition count') : '',
    counts.instance ? plural(counts.instance, 'instance setting') : '',
  ].filter(Boolean);
  if (missing.length === 0 && differ.length === 0)
    return `in parity: the ${target} has every user, ACL and topic setting the clients need`;
  const apps = refused.map((p) => p.replace(/^User:/, ''));
  const shown =
    apps.length > 5
      ? `${apps.slice(0, 5).join(', ')} and ${apps.length - 5} more`
      : apps.join(' and ').replace(/ and (?=.* and )/g, ', ');
  const parts = [
    missing.length
      ? `${missing.join(' and ')} missing on the ${target}${apps.length ? `: application${apps.length === 1 ? '' : 's'} ${shown} will be refused` : ''}`
      : '',
    differ.length ? `${differ.join(', ')} weaker on the ${target}` : '',
  ].filter(Boolean);
  return parts.join('; ');
}

/** The gap list as Markdown for a plan or a run's details: the sentence, then one line per gap with its fix. */
export function parityMarkdown(report: ParityReport): string {
  const head = `### Parity (${report.direction === 'forward' ? 'primary → secondary' : 'active side → old primary'})\n\n`;
  if (!report.checked) return `${head}⚠️ ${report.summary}\n`;
  if (report.total === 0) return `${head}${report.summary}\n`;
  const lines = report.gaps.map(
    (g) =>
      `- **${g.kind}** \`${g.item}\`${g.primary !== undefined ? ` (primary ${g.primary}, ${report.target} ${g.secondary ?? '-'})` : ''}: ${g.why}  \n  fix: \`${g.fix}\``,
  );
  const more = report.total > report.gaps.length ? `\n- … and ${report.total - report.gaps.length} more` : '';
  return `${head}⚠️ ${report.summary}\n\n${lines.join('\n')}${more}\n`;
}
