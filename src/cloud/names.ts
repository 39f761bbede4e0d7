// The names an ApsaraMQ for Kafka (reserved, i.e. subscription or pay-as-you-go) instance accepts, as the official
// API documents them (PyPI alibabacloud-alikafka20190916 2.16.0, CreateTopicRequest.topic and
// CreateConsumerGroupRequest.consumer_id; https://www.alibabacloud.com/help/en/apsaramq-for-kafka/api-createconsumergroup):
// topics and consumer groups: letters, digits, `_`, `-` and `.`, 3 to 64 characters. Plain Kafka allows up to
// 249 characters (and a group id of any length), so a pair can select names its ApsaraMQ secondary cannot hold.
// Pure: safe in workflow code.

export type ApsaraMqNameKind = 'topic' | 'group';

export const APSARAMQ_NAME_MIN = 3;
export const APSARAMQ_NAME_MAX = 64;
const ALLOWED = /^[A-Za-z0-9_.-]*$/;

/** Why an ApsaraMQ instance refuses `name`, or undefined when it accepts it. */
export function apsaraMqNameProblem(name: string): string | undefined {
  const problems: string[] = [];
  if (name.length < APSARAMQ_NAME_MIN || name.length > APSARAMQ_NAME_MAX) {
    problems.push(`${name.length} characters (allowed ${APSARAMQ_NAME_MIN}-${APSARAMQ_NAME_MAX})`);
  }
  if (!ALLOWED.test(name)) {
    const bad = [...new Set([...name].filter((c) => !ALLOWED.test(c)))].map((c) => JSON.stringify(c)).join(' ');
    problems.push(`characters ${bad} (allowed: letters, digits, _ - .)`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

export interface RefusedName {
  kind: ApsaraMqNameKind;
  name: string;
  problem: string;
}

/** Every name of `topics` and `groups` an ApsaraMQ instance would refuse, topics first, in the order given. */
export function namesApsaraMqRefuses(topics: readonly string[], groups: readonly string[]): RefusedName[] {
  const out: RefusedName[] = [];
  for (const [kind, names] of [
    ['topic', topics],
    ['group', groups],
  ] as const) {
    for (const name of names) {
      const problem = apsaraMqNameProblem(name);
      if (problem !== undefined) out.push({ kind, name, problem });
    }
  }
  return out;
}

/** One line per refused name, for an operator: `topic "a…" (70 characters (allowed 3-64))`. */
export function describeRefusedNames(refused: readonly RefusedName[]): string {
  return refused.map((r) => `${r.kind} "${r.name}" (${r.problem})`).join('; ');
}
