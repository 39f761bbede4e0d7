// The fairer command-line anchor: Apache Kafka's own tool run ONCE for the whole plan, the way an operator who
// knows it would: `kafka-consumer-groups.sh --reset-offsets --from-file plan.csv --execute` with every group
// named (`--group` repeated) and the plan's `group,topic,partition,offset` lines in one file. One JVM start in
// all instead of one per group (bench/tool-loop.ts), so what is left is the tool's own work per group.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planCsv } from '../src/plan/csv';
import {
  parseNewOffsets,
  resetArgs,
  runResetTool,
  toolLog4j,
  TOOL_CLASS,
  ToolFailedError,
} from '../stack/harness/consumer-groups-tool';
import type { GroupTarget } from './targets';

/** Resets every group of `targets` with one JVM; checks the tool printed each group's planned offsets. */
export async function toolOneJvm(bootstrap: string, targets: readonly GroupTarget[]): Promise<{ ms: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-bench-csv-'));
  try {
    // The file is the operator's input, written beforehand (as `kdr plan --csv` writes it): not timed.
    const file = path.join(dir, 'plan.csv');
    fs.writeFileSync(file, planCsv({ groups: targets }));
    const log4j = toolLog4j(dir);
    const started = performance.now();
    // --timeout: the tool's own wait for each admin call (5 s by default) ran out on this busy 2-core machine.
    const args = [
      ...resetArgs(
        bootstrap,
        targets.map((t) => t.group),
        file,
        log4j,
        '--execute',
      ),
      '--timeout',
      '60000',
    ];
    const out = await runResetTool(args, `${targets.length} groups`);
    const ms = performance.now() - started;
    // The tool exits 0 on some refusals (e.g. a group with members): every group must show its new offsets.
    const printed = parseNewOffsets(out);
    const missing = targets.filter((t) =>
      t.offsets.some(([topic, p, offset]) => printed.get(t.group)?.get(`${topic}:${p}`) !== offset),
    );
    if (missing.length) {
      throw new ToolFailedError(
        `${TOOL_CLASS} did not reset ${missing.length} of ${targets.length} group(s) as planned ` +
          `(first: ${missing[0].group}): ${out.trim().slice(0, 400)}`,
      );
    }
    return { ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
