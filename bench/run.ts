// `npm run bench`: planning and resetting 100, 1,000 and 10,000 consumer groups (8 partitions each) on the
// secondary cluster of the local stack, side by side in one run: drFailover's plan and reset steps (a real,
// approved failover through a real worker), the same resetGroups activity without a workflow, a bare kafkajs
// script (the floor), and Apache Kafka's kafka-consumer-groups.sh once per group (sampled above 100 groups) and
// once for every group in one JVM (`--group` repeated, the fairer anchor).
// Also the history of the largest failover (events, bytes, largest payload).
// Prints a table and writes docs/benchmarks/results.{json,md}. Knobs (environment): see `config` below.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { local, repoRoot } from '../stack/local-stack';
import { versions } from '../stack/stack';
import { withKdrWorker } from '../stack/harness/kdr';
import { ensureStack, uniqueName } from '../stack/harness/stack';
import { closeTemporal } from '../stack/harness/temporal';
import { bareReset } from './bare';
import {
  benchPair,
  historyFigures,
  resetActivityDirect,
  runFailover,
  type FailoverRun,
  type HistoryFigures,
} from './failover';
import { sessionCost, type SessionCost } from './diagnostics';
import { cleanup, createFixture, kafkaFor, PARTITIONS, type Fixture } from './fixture';
import { fmtMs, judgeTargets, markdownTable, median, rows, textTable, type Measurement } from './report';
import type { GroupTarget } from './targets';
import { toolLoop } from './tool-loop';
import { toolOneJvm } from './tool-one-jvm';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name}=${raw}: expected a positive integer, or unset it for ${fallback}`);
  return n;
}

const config = {
  /** Group counts; powers of ten so one pattern selects the first N groups (as an operator would). */
  sizes: (process.env.KDR_BENCH_SIZES ?? '100,1000,10000').split(',').map((s) => Number(s.trim())),
  /** Timed repetitions per method and size (the median is reported). */
  repeats: intEnv('KDR_BENCH_REPEATS', 3),
  /** Group counts up to this run the tool once per group in full; above, a sample is timed and extrapolated. */
  toolFullUpTo: intEnv('KDR_BENCH_TOOL_FULL', 100),
  toolSample: intEnv('KDR_BENCH_TOOL_SAMPLE', 20),
  /** The tool once with every group in one JVM (the fairer anchor): in full up to this many groups, above sampled. */
  toolOneJvmUpTo: intEnv('KDR_BENCH_TOOL_ONE_JVM', 1_000),
  /** drFailover's reset step: 32 groups in flight per batch, batches of 250, or n/16 when larger (workflows/dr-failover.ts). */
  concurrency: 32,
  batch: 250,
  lanes: 4,
  recordsPerPartition: 200,
  out: path.resolve(process.env.KDR_BENCH_OUT ?? path.join(repoRoot, 'docs', 'benchmarks')),
};

for (const n of config.sizes) {
  if (!Number.isInteger(Math.log10(n)) || n < 10 || n > 10_000) {
    throw new Error(`KDR_BENCH_SIZES: ${n} is not a power of ten between 10 and 10000 (e.g. KDR_BENCH_SIZES=100,1000)`);
  }
}

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** The first n groups of the fixture (g0000 .. g{n-1}), as a selection pattern. */
function firstGroups(prefix: string, n: number): string {
  const digits = Math.log10(n);
  return `${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-g${'0'.repeat(4 - digits)}[0-9]{${digits}}`;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  log(
    `local stack: ${local.temporalAddress}, primary ${local.primaryBootstrap}, secondary ${local.secondaryBootstrap} (starting it if needed)`,
  );
  await ensureStack();
  const prefix = uniqueName('bench');
  const total = Math.max(...config.sizes);
  log(
    `fixture ${prefix}: topic with ${PARTITIONS} partitions on both clusters, ${total} groups committed on the primary`,
  );
  const fixture = await createFixture({
    prefix,
    pairName: prefix,
    groups: total,
    recordsPerPartition: config.recordsPerPartition,
  });
  log(`fixture ready in ${fmtMs(fixture.setupMs)}`);
  let runNo = 0;
  const pairFor = () => benchPair(`${prefix}-f${++runNo}`, fixture.topic, fixture.canaryTopic);
  try {
    const measured = await withKdrWorker(({ client, taskQueue }) =>
      measure(fixture, async (groups) => {
        const pair = pairFor();
        const run = await runFailover(client, taskQueue, {
          pair,
          groupPattern: firstGroups(prefix, groups),
          workflowId: `${pair.name}-failover`,
          expectGroups: groups,
        });
        return { run, pair };
      }),
    );
    const table = rows(measured.measurements);
    const targets = judgeTargets(
      table,
      measured.history?.events ?? null,
      total,
      measured.history?.largestPayloadBytes ?? null,
      measured.measurements,
    );
    console.log(`\n${textTable(table)}\n  * extrapolated linearly from a sample (see notes)\n`);
    for (const t of targets)
      console.log(
        `${t.met ? 'MET   ' : 'MISSED'} ${t.what} (${t.groups} groups): wanted ${t.wanted}, measured ${t.measured}`,
      );
    if (measured.history) {
      const h = measured.history;
      console.log(
        `history of the ${total}-group failover: ${h.events} events, ${h.serverHistorySizeBytes ?? '?'} bytes (server), ` +
          `${h.protobufBytes ?? '?'} bytes protobuf, ${h.jsonBytes} bytes JSON; largest event ${h.largestEvent.type} ${h.largestEvent.jsonBytes} bytes; ` +
          `largest payload ${h.largestPayloadBytes} bytes`,
      );
    }
    const results = {
      generatedAt: new Date().toISOString(),
      benchRuntimeMs: Date.now() - started,
      environment: {
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        kafka: versions.kafka,
        temporalCli: versions.temporalCli,
        commit: gitCommit(),
        java: javaVersion(),
      },
      config: { ...config, out: undefined, partitionsPerGroup: PARTITIONS },
      table,
      targets,
      history: measured.history,
      sessionCost: measured.session,
      failoverRuns: measured.runs,
      measurements: measured.measurements,
      notes: measured.notes,
    };
    fs.mkdirSync(config.out, { recursive: true });
    fs.writeFileSync(path.join(config.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(path.join(config.out, 'results.md'), resultsMarkdown(results));
    log(
      `results written to ${path.relative(process.cwd(), config.out)}/results.{json,md} (bench took ${fmtMs(Date.now() - started)})`,
    );
  } finally {
    log('cleaning up the fixture (topics and groups on both clusters)');
    await cleanup(fixture, log);
    await closeTemporal();
  }
}

function javaVersion(): string | null {
  // `java -version` writes to stderr.
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n')[0].trim() || null;
}

type StartFailover = (groups: number) => Promise<{ run: FailoverRun; pair: ReturnType<typeof benchPair> }>;

interface Measured {
  measurements: Measurement[];
  runs: Omit<FailoverRun, 'plan' | 'handle'>[];
  history: HistoryFigures | null;
  session: SessionCost;
  notes: string[];
}

async function measure(fixture: Fixture, failover: StartFailover): Promise<Measured> {
  const notes: string[] = [];
  const measurements: Measurement[] = [];
  const runs: Measured['runs'] = [];
  const secondary = () => kafkaFor(local.secondaryBootstrap, 'kdr-bench-bare');
  const smallest = Math.min(...config.sizes);

  // Warm-ups, untimed: the worker's first workflow task, JIT, connections, the JVM's page cache.
  log(`warm-up: one failover of ${smallest} groups, the activity, the bare script, one tool run`);
  const warm = await failover(smallest);
  await resetActivityDirect(warm.pair, warm.run.plan, config.batch, config.concurrency);
  await bareReset(secondary(), warm.run.plan, config.concurrency);
  // A JVM's first lookup can time out on a busy machine: the warm-up tries twice (the timed runs do not).
  await toolLoop(local.secondaryBootstrap, warm.run.plan.slice(0, 1)).catch(() =>
    toolLoop(local.secondaryBootstrap, warm.run.plan.slice(0, 1)),
  );

  let history: HistoryFigures | null = null;
  for (const groups of [...config.sizes].sort((a, b) => a - b)) {
    const step: number[] = [];
    const planned: number[] = [];
    const whole: number[] = [];
    const direct: number[] = [];
    const bare: number[] = [];
    let plan: GroupTarget[] = [];
    for (let r = 0; r < config.repeats; r++) {
      // Interleaved, so a slow moment of the shared stack hits every method alike. Each method starts from
      // groups that do not exist on the secondary: the reset skips a group already at its planned offsets, so
      // after the first method every later one would otherwise only read.
      await forget(fixture, fixture.groups.slice(0, groups));
      const { run, pair } = await failover(groups);
      step.push(run.resetStepMs);
      if (run.planStepMs !== null) planned.push(run.planStepMs);
      whole.push(run.approvalToDoneMs);
      const { plan: p, handle, ...rest } = run;
      plan = p;
      runs.push(rest);
      await forget(
        fixture,
        p.map((g) => g.group),
      );
      direct.push(
        (
          await resetActivityDirect(
            pair,
            p,
            Math.max(config.batch, Math.ceil(p.length / (config.lanes * 4))),
            config.concurrency,
          )
        ).ms,
      );
      await forget(
        fixture,
        p.map((g) => g.group),
      );
      bare.push((await bareReset(secondary(), p, config.concurrency)).ms);
      log(
        `${groups} groups, round ${r + 1}/${config.repeats}: plan step ${fmtMs(run.planStepMs ?? NaN)}${run.planStored ? ' (stored plan)' : ''}, ` +
          `reset step ${fmtMs(run.resetStepMs)}, approval->done ${fmtMs(run.approvalToDoneMs)}, ` +
          `activity alone ${fmtMs(direct[r])}, bare ${fmtMs(bare[r])}`,
      );
      if (groups === Math.max(...config.sizes) && r === config.repeats - 1) history = await historyFigures(handle);
    }
    measurements.push(
      ...(planned.length ? [{ method: 'plan-step' as const, groups, samplesMs: planned, groupsMeasured: groups }] : []),
      { method: 'reset-step', groups, samplesMs: step, groupsMeasured: groups },
      { method: 'bare-kafkajs', groups, samplesMs: bare, groupsMeasured: groups },
      { method: 'reset-activity-direct', groups, samplesMs: direct, groupsMeasured: groups },
      { method: 'failover-approval-to-done', groups, samplesMs: whole, groupsMeasured: groups },
    );
    const tool: number[] = [];
    if (groups <= config.toolFullUpTo) {
      log(`kafka-consumer-groups.sh: ${groups} groups, one JVM each, in full (about ${groups} s)`);
      tool.push((await toolLoop(local.secondaryBootstrap, plan)).ms);
      measurements.push({
        method: 'tool-loop',
        groups,
        samplesMs: tool,
        groupsMeasured: groups,
        note: 'full loop, once',
      });
    } else {
      const n = Math.min(config.toolSample, groups);
      for (let r = 0; r < config.repeats; r++) {
        // A different slice each time: every group of the plan is as good a sample as any other.
        const sample = plan.slice(r * n, r * n + n);
        tool.push((await toolLoop(local.secondaryBootstrap, sample)).ms);
        log(`kafka-consumer-groups.sh: sample of ${n} groups, round ${r + 1}/${config.repeats}: ${fmtMs(tool[r])}`);
      }
      measurements.push({
        method: 'tool-loop',
        groups,
        samplesMs: tool,
        groupsMeasured: n,
        note: `sample of ${n} groups x ${config.repeats}, extrapolated x${groups / n}`,
      });
      notes.push(
        `kafka-consumer-groups.sh for ${groups} groups: ${config.repeats} samples of ${n} groups were timed and the median ` +
          `extrapolated linearly (one JVM per group costs the same for every group; a full loop would take about ${fmtMs((median(tool) / n) * groups)}).`,
      );
    }
    {
      // The fairer anchor: one JVM for the plan, from groups absent on the secondary like every other method.
      // Above KDR_BENCH_TOOL_ONE_JVM groups, one JVM resets the first that many and the time is extrapolated:
      // the tool resets group after group (about 0.1 s each here), so 10,000 would take a quarter of an hour.
      const n = Math.min(groups, config.toolOneJvmUpTo);
      const sample = plan.slice(0, n);
      await forget(
        fixture,
        sample.map((g) => g.group),
      );
      log(`kafka-consumer-groups.sh: ${n} groups, one JVM, every group named (--group repeated)`);
      const one = await toolOneJvm(local.secondaryBootstrap, sample);
      log(`kafka-consumer-groups.sh, one JVM: ${n} groups in ${fmtMs(one.ms)}`);
      measurements.push({
        method: 'tool-one-jvm',
        groups,
        samplesMs: [one.ms],
        groupsMeasured: n,
        note: n === groups ? 'one JVM, once' : `one JVM with ${n} groups, extrapolated x${groups / n}`,
      });
    }
  }
  const session = await sessionCost(`${fixture.prefix}-diag`, config.repeats);
  const batches = Math.ceil(Math.max(...config.sizes) / config.batch);
  notes.push(
    `Fixed cost of one admin session (open + first describe + first offset fetch): ${fmtMs(session.firstCallsMs)}; ` +
      `${fmtMs(session.firstCallsAfterRefreshMs)} when metadata is refreshed right after connecting. The reset activity opens one session ` +
      `per batch of ${config.batch} groups (${batches} for ${Math.max(...config.sizes)} groups), the bare script one per run.`,
  );
  return { measurements, runs, history, session, notes };
}

/** Deletes the groups on the secondary (untimed): the next method commits every group, as a first failover would. */
async function forget(fixture: Fixture, groups: readonly string[]): Promise<void> {
  for (let i = 0; i < groups.length; i += 1000) {
    // A group that does not exist yet (never committed) is reported as an error for that group only.
    await fixture.secondary.admin.deleteGroups(groups.slice(i, i + 1000) as string[]).catch(() => undefined);
  }
}

function resultsMarkdown(r: {
  generatedAt: string;
  benchRuntimeMs: number;
  environment: Record<string, unknown>;
  table: ReturnType<typeof rows>;
  targets: ReturnType<typeof judgeTargets>;
  history: HistoryFigures | null;
  failoverRuns: Measured['runs'];
  notes: string[];
  config: { sizes: number[] };
}): string {
  const lines = [
    '# Benchmark results (generated)',
    '',
    `Written by \`npm run bench\` on ${r.generatedAt} (bench runtime ${fmtMs(r.benchRuntimeMs)}); how it measures: [../benchmarks.md](../benchmarks.md). ` +
      'Raw figures: [results.json](results.json).',
    '',
    markdownTable(r.table),
    '',
    '\\* extrapolated linearly from a sample.',
    '',
    '## Targets (issues 5, 19 and 25)',
    '',
    '| target | groups | wanted | measured | |',
    '| --- | ---: | --- | --- | --- |',
    ...r.targets.map(
      (t) => `| ${t.what} | ${t.groups} | ${t.wanted} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`,
    ),
    '',
  ];
  if (r.history) {
    const h = r.history;
    lines.push(
      `## History of a ${Math.max(...r.config.sizes).toLocaleString('en-US')}-group failover`,
      '',
      `- events: **${h.events}** (server: ${h.serverHistoryLength ?? '?'})`,
      `- size: ${h.serverHistorySizeBytes ?? '?'} bytes as the server counts it (describe: historySize); ` +
        `${h.protobufBytes ?? '?'} bytes protobuf-encoded; ${h.jsonBytes} bytes as JSON`,
      `- largest payload: ${h.largestPayloadBytes} bytes (after the gzip codec; Temporal's limit is 2 MB)`,
      `- largest events (JSON bytes): ${h.largestEvents.map((e) => `#${e.eventId} ${e.type}${e.activity ? ` (${e.activity})` : ''} ${e.jsonBytes}`).join('; ')}`,
      `- by type: ${Object.entries(h.byType)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      '',
    );
  }
  lines.push(
    '## Failover runs',
    '',
    '| workflow id | groups | offset sources | reset step | approval -> done | steps (ms) |',
    '| --- | ---: | --- | ---: | ---: | --- |',
    ...r.failoverRuns.map(
      (f) =>
        `| ${f.workflowId} | ${f.groups} | ${Object.entries(f.sources)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} | ` +
        `${fmtMs(f.resetStepMs)} | ${fmtMs(f.approvalToDoneMs)} | ${f.steps.map((s) => `${s.name} ${s.durationMs ?? s.state}`).join(', ')} |`,
    ),
    '',
    '## Notes',
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
    '## Environment',
    '',
    ...Object.entries(r.environment).map(([k, v]) => `- ${k}: ${v ?? '?'}`),
    '',
  );
  return lines.join('\n');
}

// `npm run bench -- precision` runs the precision benchmark (bench/precision.ts) instead, `npm run bench --
// evacuate` the 20-pair evacuation (bench/evacuate.ts).
const entries: Record<string, () => Promise<void>> = {
  precision: () => import('./precision').then((m) => m.main()),
  evacuate: () => import('./evacuate').then((m) => m.main()),
};
const entry = entries[process.argv[2] ?? ''] ?? main;
entry().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
