// Apache Kafka's own tool, the way an operator runs it from the runbook: one
// `kafka-consumer-groups.sh --reset-offsets --from-file <group>.csv --execute` per group, one JVM each, from
// the same jars the local stack runs (kafka-consumer-groups.sh is a wrapper around this class).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planCsv } from '../src/plan/csv';
import { resetArgs, runResetTool, toolLog4j, TOOL_CLASS, ToolFailedError } from '../stack/harness/consumer-groups-tool';
import type { GroupTarget } from './targets';

export { TOOL_CLASS, ToolFailedError };

/** Resets each group with its own JVM, one after the other; returns the wall time of the whole loop. */
export async function toolLoop(
  bootstrap: string,
  targets: readonly GroupTarget[],
): Promise<{ ms: number; lastOutput: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-bench-csv-'));
  try {
    // The files are the operator's input, written beforehand (as `kdr plan --csv` would): not timed.
    const files = targets.map((t, i) => {
      const f = path.join(dir, `${i}.csv`);
      fs.writeFileSync(f, planCsv({ groups: [t] }, t.group));
      return f;
    });
    const log4j = toolLog4j(dir);
    let lastOutput = '';
    const started = performance.now();
    for (let i = 0; i < targets.length; i++) {
      const g = targets[i].group;
      // --timeout: the tool's own wait for each admin call (5 s by default) ran out on this busy 2-core machine.
      lastOutput = await runResetTool(
        [...resetArgs(bootstrap, [g], files[i], log4j, '--execute'), '--timeout', '60000'],
        `group ${g}`,
      );
      // The tool exits 0 on some refusals (e.g. a group with members): check it printed the new offsets.
      if (!lastOutput.includes('NEW-OFFSET'))
        throw new ToolFailedError(`${TOOL_CLASS} did not reset group ${g}: ${lastOutput.trim().slice(0, 400)}`);
    }
    return { ms: performance.now() - started, lastOutput };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
