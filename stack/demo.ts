// `npm run demo [-- --yes] [--keep]`: the whole job in one command, on the local stack. A demo DR pair with live
// traffic (a producer and consumer groups on the primary, through the custom domain), drSetup, then a failover
// drill approved by a person (or by --yes), and the report: the groups resumed on the secondary, lost 0,
// duplicates N. Everything runs on the real services: Temporal, two Kafka clusters, MirrorMaker 2, the DNS.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities, defaultDeps } from '../activities';
import { localKafkaPair } from './local-pairs';
import { KafkaConnectProvider } from '../src/connectors/kafka-connect';
import { createKafka } from '../src/kafka/clients';
import { local, localStackEnv, TASK_QUEUE } from './local-stack';
import { createWorker } from '../app/worker';
import { approve, start } from '../app/cli/actions';
import { connect, failoverWorkflowId, RUNBOOKS, setupWorkflowId, type CliContext } from '../app/cli/temporal';
import { table } from '../app/cli/render';
import { follow } from './demo/follow';
import {
  caughtUp,
  groupLag,
  ledgers,
  outcome,
  TrafficConsumers,
  TrafficProducer,
  type GroupSpec,
} from './demo/traffic';
import { isUp, up } from './stack';
import type { FailoverPlan } from '../src/plan/model';
import { planQuery } from '../workflows/definitions';
import type { StepRecord } from '../workflows/runner/types';

interface DemoOptions {
  yes: boolean;
  keep: boolean;
}

const t0 = Date.now();
function log(line = ''): void {
  const s = ((Date.now() - t0) / 1000).toFixed(0).padStart(4);
  console.log(line ? `[${s}s] ${line}` : '');
}

async function waitUntil(
  what: string,
  check: () => boolean,
  boundMs: number,
  refresh?: () => Promise<void>,
): Promise<boolean> {
  const until = Date.now() + boundMs;
  for (;;) {
    await refresh?.();
    if (check()) return true;
    if (Date.now() > until) {
      log(`  (stopped waiting for ${what} after ${boundMs / 1000}s)`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function drill(ctx: CliContext, options: DemoOptions): Promise<number> {
  const name = `demo-${Date.now().toString(36)}`;
  const topics = [`${name}-orders`, `${name}-payments`];
  const groups: GroupSpec[] = [
    { group: `${name}-billing`, topics: [topics[0]] },
    { group: `${name}-ledger`, topics: [topics[1]] },
    { group: `${name}-audit`, topics },
  ];
  const config = localKafkaPair(name, topics);
  const domain = `${name}.kdr.test`;
  const viaDomain = { bootstrap: `${domain}:39092`, dnsServer: local.dnsServer };
  const cleanup: (() => Promise<unknown>)[] = [];
  // A blocked step waits for an operator, as a run would for a person. Under --yes there is no person to ask:
  // the demo stops and says why (the run stays, with the commands to resolve it); it never retries on its own.
  const unblock = (workflowId: string) => async (step: StepRecord) => {
    log(
      `  Step ${step.name} is blocked. Fix the cause, then: npm run kdr -- resolve ${workflowId} retry --by <your name>`,
    );
    log(`  (or abort: npm run kdr -- resolve ${workflowId} abort --by <your name>)`);
    if (options.yes)
      throw new Error(
        `step ${step.name} of ${workflowId} blocked: ${step.lastError ?? 'no error recorded'} (--yes does not resolve blocked steps)`,
      );
  };

  log(
    `Demo DR pair "${name}": primary ${local.primaryBootstrap} -> secondary ${local.secondaryBootstrap}, MirrorMaker 2, custom domain ${domain}`,
  );
  const admin = createKafka({ bootstrapServers: [local.primaryBootstrap] }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
  });
  await admin.disconnect();
  cleanup.push(async () => {
    await new KafkaConnectProvider({ url: local.connectUrl }).remove({
      pair: name,
      primary: { bootstrapServers: [] },
      secondary: { bootstrapServers: [] },
      topics,
    });
    for (const bootstrap of [local.primaryBootstrap, local.secondaryBootstrap]) {
      const a = createKafka({ bootstrapServers: [bootstrap] }).admin();
      await a.connect();
      const existing = new Set(await a.listTopics());
      const mine = [...topics, `${name}-canary`].filter((t) => existing.has(t));
      if (mine.length) await a.deleteTopics({ topics: mine });
      await a.disconnect();
    }
  });

  try {
    // 1. drSetup: connector, connector-verify, CNAME -> primary. The clients bootstrap from the custom domain.
    log(`drSetup ${setupWorkflowId(name)}:`);
    const setup = await start(
      ctx,
      RUNBOOKS.setup,
      setupWorkflowId(name),
      { config, requestedBy: 'demo' },
      `Set up DR for demo pair ${name}`,
    );
    log(`  Temporal UI: ${setup.uiUrl}`);
    const setupStatus = await follow(ctx.client.workflow.getHandle(setup.workflowId, setup.runId), (l) => log(l), {
      onBlocked: unblock(setup.workflowId),
    });
    if (setupStatus?.phase !== 'completed')
      throw new Error(`drSetup ended in phase ${setupStatus?.phase ?? 'unknown'}: see ${setup.uiUrl}`);

    // 2. Live traffic on the primary, through the custom domain.
    const producer = new TrafficProducer(viaDomain, topics, 40);
    const ledger = ledgers(groups);
    const onPrimary = new TrafficConsumers(viaDomain, ledger, 'primary');
    await producer.start();
    await onPrimary.start();
    log(
      `Live traffic through ${viaDomain.bootstrap}: a producer on ${topics.join(', ')}, groups ${groups.map((g) => g.group).join(', ')}`,
    );
    await waitUntil('traffic', () => ledger.every((l) => l.primary.size >= 100), 60_000);
    log(
      `  produced ${producer.total} records so far; consumed ${ledger.map((l) => `${l.group} ${l.primary.size}`).join(', ')}`,
    );

    // 3. The failover drill.
    const id = failoverWorkflowId(name);
    log(`drFailover ${id} (requested by "demo"):`);
    const run = await start(
      ctx,
      RUNBOOKS.failover,
      id,
      { config, requestedBy: 'demo', switchover: { quietWindow: '3s', guard: '15s' } },
      `Failover drill of demo pair ${name} requested by demo`,
    );
    const handle = ctx.client.workflow.getHandle(run.workflowId, run.runId);
    log(`  Temporal UI: ${run.uiUrl}`);
    const printed = new Map<string, string>();
    const awaiting = await follow(handle, (l) => log(l), {
      until: (s) => s.phase === 'awaiting-approval',
      printed,
      onBlocked: unblock(id),
    });
    if (awaiting?.phase !== 'awaiting-approval')
      throw new Error(
        `drFailover ended in phase ${awaiting?.phase ?? 'unknown'} before its approval: see ${run.uiUrl}`,
      );
    const planId = awaiting.approval!.planId;

    // A planned failover: writes stop and the consumers leave the primary before the switch (a group with live
    // members cannot be reset; records they process meanwhile are re-read on the secondary, never lost).
    await producer.stop();
    await onPrimary.stop();
    log(`Stopped the producer (${producer.total} records acknowledged) and the consumers on the primary.`);

    log('');
    log(`The plan ${planId} waits for approval. Approve it from the Temporal UI (signal "approve" with`);
    log(`  {"by": "<your name>", "planId": "${planId}"}) or from a terminal:`);
    log(
      `    npm run kdr -- approve ${id} --by <your name> --plan-id ${planId}   (kdr approve ... once kafka-dr is installed)`,
    );
    log(`  Inspect it first: npm run kdr -- plan ${id}`);
    log('');
    if (options.yes) {
      const d = await approve(ctx, id, { by: 'demo-approver', comment: 'approved by npm run demo --yes' });
      if (!d.accepted) throw new Error(`the approval was not accepted: ${d.reason}`);
      log(`Approved as "demo-approver" (--yes).`);
    } else {
      log('Waiting for your approval (or run the demo with --yes) ...');
    }
    const final = await follow(handle, (l) => log(l), { printed, onBlocked: unblock(id) });
    if (final?.phase !== 'completed')
      throw new Error(`drFailover ended in phase ${final?.phase ?? 'unknown'}: see ${run.uiUrl}`);
    const result = (await handle.result()) as {
      cname: { domain: string; before: string | null; after: string };
      nextSteps: string[];
    };
    log(`CNAME ${result.cname.domain}: ${result.cname.before ?? '(none)'} -> ${result.cname.after}`);

    // 4. The consumers restart: new bootstrap connections follow the CNAME to the secondary.
    const onSecondary = new TrafficConsumers(viaDomain, ledger, 'secondary');
    log(
      `Consumers restarted through ${viaDomain.bootstrap} (now the secondary); reading until every acknowledged record is processed ...`,
    );
    await onSecondary.start();
    const secondaryAdmin = createKafka({ bootstrapServers: [local.secondaryBootstrap] }).admin();
    await secondaryAdmin.connect();
    let lags: number[] = [];
    await waitUntil(
      'the groups to catch up on the secondary',
      () => lags.length > 0 && lags.every((l) => l === 0) && ledger.every((l) => caughtUp(l, producer)),
      120_000,
      async () => {
        lags = await Promise.all(ledger.map((l) => groupLag(secondaryAdmin, l)));
      },
    );
    await secondaryAdmin.disconnect();
    await onSecondary.stop();

    const plan = (await handle.query(planQuery))?.plan as FailoverPlan | undefined;
    const planStep = final.steps.find((s) => s.name === 'plan');
    const planAt = planStep?.startedAt ? Date.parse(planStep.startedAt) : Infinity;
    const outcomes = ledger.map((l) => outcome(l, producer, planAt));
    log('');
    log(
      'Report (duplicates: records processed twice; "after plan": first processed on the primary after the plan was made,',
    );
    log("which no plan can count; the rest is within the plan's bound):");
    console.log(
      table(
        [
          'GROUP',
          'PRODUCED',
          'ON PRIMARY',
          'ON SECONDARY',
          'LOST',
          'DUPLICATES',
          'AFTER PLAN',
          'PLAN BOUND',
          'WITHIN BOUND',
        ],
        outcomes.map((o) => {
          const bound = plan?.groups.find((g) => g.group === o.group)?.duplicateBound;
          return [
            o.group,
            String(o.produced),
            String(o.consumedOnPrimary),
            String(o.consumedOnSecondary),
            String(o.lost),
            String(o.duplicates),
            String(o.duplicatesAfterPlan),
            String(bound ?? '?'),
            bound === undefined ? '?' : o.duplicates - o.duplicatesAfterPlan <= bound ? 'yes' : 'NO',
          ];
        }),
      ),
    );
    const lost = outcomes.reduce((n, o) => n + o.lost, 0);
    const dups = outcomes.reduce((n, o) => n + o.duplicates, 0);
    log('');
    log(`Consumers resumed on the secondary through ${domain}: lost ${lost}, duplicates ${dups}.`);
    for (const step of result.nextSteps ?? []) log(`  - ${step}`);
    log(`Runs: ${setup.uiUrl}`);
    log(`      ${run.uiUrl}`);
    return lost === 0 ? 0 : 1;
  } finally {
    if (!options.keep) {
      await Promise.all(cleanup.map((c) => c().catch((err: Error) => log(`cleanup: ${err.message}`))));
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => !['--yes', '-y', '--keep'].includes(a));
  if (unknown.length) {
    console.error(`demo: unknown option ${unknown.join(' ')}; usage: npm run demo [-- --yes] [--keep]`);
    return 2;
  }
  const options = { yes: argv.includes('--yes') || argv.includes('-y'), keep: argv.includes('--keep') };
  if (await isUp()) {
    log('Local stack: running (npm run stack:status)');
  } else {
    log('Local stack: starting (first time: downloads Temporal and Kafka into .stack/, a few minutes) ...');
    await up((line) => log(`  ${line}`));
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const native = await NativeConnection.connect({ address: local.temporalAddress });
  const ctx = await connect({
    env: { ...process.env, TEMPORAL_ADDRESS: local.temporalAddress },
    taskQueue: TASK_QUEUE,
  });
  const worker = await createWorker({
    connection: native,
    activities: createActivities(defaultDeps(localStackEnv())),
    identity: `kdr-demo@${process.pid}`,
  });
  log(`Worker polling task queue "${TASK_QUEUE}" in this process; Temporal UI ${local.temporalUiUrl}`);
  try {
    return await worker.runUntil(drill(ctx, options));
  } finally {
    await ctx.close();
    await native.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`demo failed: ${err.message}`);
      process.exit(1);
    },
  );
}
