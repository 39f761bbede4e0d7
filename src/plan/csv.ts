// The plan as the CSV `kafka-consumer-groups.sh --reset-offsets --from-file` reads (`kdr plan --csv`).

/** `kdr plan --csv --group g` for a group the plan does not hold (not raised in workflow code). */
export class GroupNotInPlanError extends Error {
  override name = 'GroupNotInPlanError';
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The file `kafka-consumer-groups.sh --reset-offsets --from-file <f> --execute` reads. With `group` (and one
 * `--group` on the command line) it is the single-group form `topic,partition,offset`; without, every group
 * as `group,topic,partition,offset`, applied with one `--group` per planned group (not `--all-groups`: the tool
 * then fails on every other group of the cluster and skips planned groups it does not know yet). Fields are quoted as CSV.
 */
export function planCsv(
  plan: { groups: readonly { group: string; offsets: readonly (readonly [string, number, number, string])[] }[] },
  group?: string,
): string {
  if (group !== undefined) {
    const g = plan.groups.find((x) => x.group === group);
    if (!g)
      throw new GroupNotInPlanError(
        `group ${group} is not in the plan (groups: ${
          plan.groups
            .map((x) => x.group)
            .slice(0, 20)
            .join(', ') || 'none'
        })`,
      );
    return g.offsets.map(([topic, partition, offset]) => `${csvField(topic)},${partition},${offset}\n`).join('');
  }
  return plan.groups
    .flatMap((g) =>
      g.offsets.map(([topic, partition, offset]) => `${csvField(g.group)},${csvField(topic)},${partition},${offset}\n`),
    )
    .join('');
}
