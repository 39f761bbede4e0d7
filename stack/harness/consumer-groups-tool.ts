// Apache Kafka's own `kafka-consumer-groups.sh` (the class it wraps), run from the jars the local stack runs:
// how an operator applies a plan file by hand. Shared by the CSV interop test and the benchmark's tool loop.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { paths } from '../install';

const run = promisify(execFile);

export const TOOL_CLASS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';

export class ToolFailedError extends Error {
  override name = 'ToolFailedError';
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

/** A log4j file for the tool in `dir` (written once per directory). */
export function toolLog4j(dir: string): string {
  const file = path.join(dir, 'tools-log4j.properties');
  if (!fs.existsSync(file)) fs.writeFileSync(file, TOOLS_LOG4J);
  return file;
}

/** `--reset-offsets --from-file` for the given groups (one `--group` each), executed or as a dry run. */
export function resetArgs(
  bootstrap: string,
  groups: readonly string[],
  csvFile: string,
  log4jFile: string,
  mode: '--execute' | '--dry-run',
): string[] {
  return [
    '-cp',
    `${paths.kafkaLibs}/*`,
    // kafka-run-class.sh's defaults for tools (heap, G1, headless), minus its GC log file.
    '-Xmx256M',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4jFile}`,
    TOOL_CLASS,
    '--bootstrap-server',
    bootstrap,
    ...groups.flatMap((g) => ['--group', g]),
    '--reset-offsets',
    '--from-file',
    csvFile,
    mode,
  ];
}

/** Runs the tool; its stdout, or a ToolFailedError with the end of what it printed. */
export async function runResetTool(args: string[], what: string): Promise<string> {
  try {
    return (await run('java', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new ToolFailedError(
      `${TOOL_CLASS} failed for ${what}: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-5).join(' | ')}`,
    );
  }
}

/**
 * The NEW-OFFSET table the tool prints: group -> "topic:partition" -> offset. Read as a stream of cells, not
 * lines: Kafka 3.9's tool prints the rows of one group without line breaks between them.
 */
export function parseNewOffsets(stdout: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const cells = stdout.split(/\s+/).filter(Boolean);
  for (let i = 0; i < cells.length;) {
    if (cells[i] === 'GROUP' && cells[i + 3] === 'NEW-OFFSET') {
      i += 4;
      continue;
    }
    const [group, topic, partition, offset] = cells.slice(i, i + 4);
    if (offset === undefined || !/^\d+$/.test(partition) || !/^\d+$/.test(offset)) {
      i++;
      continue;
    }
    if (!out.has(group)) out.set(group, new Map());
    out.get(group)!.set(`${topic}:${partition}`, Number(offset));
    i += 4;
  }
  return out;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
