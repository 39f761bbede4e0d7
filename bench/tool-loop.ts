// Apache Kafka's own tool, the way an operator runs it from the runbook: one
// `kafka-consumer-groups.sh --reset-offsets --from-file <group>.csv --execute` per group, one JVM each, from
// the same jars the local stack runs (kafka-consumer-groups.sh is a wrapper around this class).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { paths } from '../stack/install';
import type { GroupTarget } from './targets';

const run = promisify(execFile);

export const TOOL_CLASS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';

export class ToolFailedError extends Error {
  override name = 'ToolFailedError';
}

/** The single-group `--from-file` format: `topic,partition,offset` per line (what planCsv(plan, group) writes). */
export function groupCsv(target: Pick<GroupTarget, 'offsets'>): string {
  return target.offsets.map(([topic, partition, offset]) => `${topic},${partition},${offset}\n`).join('');
}

/** What Kafka's config/tools-log4j.properties says: warnings and errors on stderr, nothing else. */
const TOOLS_LOG4J = [
  'log4j.rootLogger=WARN, stderr',
  'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.appender.stderr.Target=System.err',
  '',
].join('\n');

export function toolArgs(bootstrap: string, group: string, csvFile: string, log4jFile: string): string[] {
  return [
    '-cp', `${paths.kafkaLibs}/*`,
    // kafka-run-class.sh's defaults for tools (heap, G1, headless), minus its GC log file.
    '-Xmx256M', '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4jFile}`,
    TOOL_CLASS,
    '--bootstrap-server', bootstrap, '--group', group, '--reset-offsets', '--from-file', csvFile, '--execute',
  ];
}

/** Resets each group with its own JVM, one after the other; returns the wall time of the whole loop. */
export async function toolLoop(bootstrap: string, targets: readonly GroupTarget[]): Promise<{ ms: number; lastOutput: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-bench-csv-'));
  try {
    // The files are the operator's input, written beforehand (as `kdr plan --csv` would): not timed.
    const files = targets.map((t, i) => {
      const f = path.join(dir, `${i}.csv`);
      fs.writeFileSync(f, groupCsv(t));
      return f;
    });
    const log4j = path.join(dir, 'tools-log4j.properties');
    fs.writeFileSync(log4j, TOOLS_LOG4J);
    let lastOutput = '';
    const started = performance.now();
    for (let i = 0; i < targets.length; i++) {
      const g = targets[i].group;
      try {
        const r = await run('java', toolArgs(bootstrap, g, files[i], log4j), { maxBuffer: 16 * 1024 * 1024 });
        lastOutput = r.stdout;
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new ToolFailedError(`${TOOL_CLASS} failed for group ${g}: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-5).join(' | ')}`);
      }
      // The tool exits 0 on some refusals (e.g. a group with members): check it printed the new offsets.
      if (!lastOutput.includes('NEW-OFFSET')) throw new ToolFailedError(`${TOOL_CLASS} did not reset group ${g}: ${lastOutput.trim().slice(0, 400)}`);
    }
    return { ms: performance.now() - started, lastOutput };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
