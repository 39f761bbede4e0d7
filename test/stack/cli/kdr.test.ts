// The `kdr` CLI as an operator runs it: a child process against the real stack, a real worker on a private task
// queue, a pairs file with pairs no other test uses. Every command, its exit code and what it prints.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { local } from '../../../stack/local-stack';
import { KafkaConnectProvider } from '../../../src/connectors/kafka-connect';
import { kafkaPair, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';
import { kdr, shown, writePairsFile } from '../../helpers/cli';

const cleanups: (() => Promise<unknown>)[] = [];

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('kdr CLI', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  // Pair "ready": topics with data and a consumer group with committed offsets (setup, then failovers).
  // Pair "late": one topic is missing at first, so setup blocks at preflight until the test creates it.
  const ready = uniqueName('cli-ok');
  const late = uniqueName('cli-late');
  const group = uniqueName('cli-g');
  let readyTopics: string[];
  let lateTopic: string;
  let pairsFile: string;

  before(async () => {
    await temporal();
    kafka = await openBoth();
    readyTopics = [uniqueName('cli-t0'), uniqueName('cli-t1')];
    const present = uniqueName('cli-late-t0');
    lateTopic = uniqueName('cli-late-t1');
    for (const t of [...readyTopics, present]) await createTopic(kafka.primary, t, 2);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    for (const t of [...readyTopics, present]) {
      await producer.send({
        topic: t,
        messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      });
    }
    await producer.disconnect();
    for (const t of readyTopics) {
      await kafka.primary.admin.setOffsets({
        groupId: group,
        topic: t,
        partitions: [
          { partition: 0, offset: '5' },
          { partition: 1, offset: '3' },
        ],
      });
    }
    pairsFile = writePairsFile([
      kafkaPair(ready, readyTopics, { groups: [group] }),
      kafkaPair(late, [present, lateTopic]),
    ]);
    const all = [...readyTopics, present, lateTopic];
    cleanups.push(
      () => deleteTopics(kafka.primary, all),
      () => deleteTopics(kafka.secondary, all),
    );
    for (const [name, topics] of [
      [ready, readyTopics],
      [late, [present, lateTopic]],
    ] as const) {
      cleanups.push(() =>
        new KafkaConnectProvider({ url: local.connectUrl }).remove({
          pair: name,
          primary: { bootstrapServers: [] },
          secondary: { bootstrapServers: [] },
          topics: [...topics],
        }),
      );
    }
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('--help gives an example for every command; bad input is one line with exit 2; unknown things exit 3', async () => {
    const help = await kdr(['--help']);
    assert.equal(help.code, 0, shown(help));
    assert.match(help.stdout, /Exit codes:/);
    for (const command of [
      'pairs',
      'setup',
      'verify',
      'failover',
      'approve',
      'keygen',
      'reject',
      'resolve',
      'status',
      'plan',
    ]) {
      const r = await kdr([command, '--help']);
      assert.equal(r.code, 0, shown(r));
      assert.match(r.stdout, new RegExp(`Examples?:\\n\\s+\\$ kdr ${command}`), `kdr ${command} --help has an example`);
    }
    const badFlag = await kdr(['status', 'x', '--frobnicate']);
    assert.equal(badFlag.code, 2, shown(badFlag));
    assert.equal(badFlag.stderr.trim().split('\n').length, 1, 'one line');
    assert.match(badFlag.stderr, /unknown option '--frobnicate'/);
    const missingBy = await kdr(['approve', 'x']);
    assert.equal(missingBy.code, 2, shown(missingBy));
    assert.match(missingBy.stderr, /--by <name>' not specified/);
    const badAction = await kdr(['resolve', 'x', 'restart', '--by', 'a']);
    assert.equal(badAction.code, 2);
    assert.match(badAction.stderr, /expected one of retry, skip, abort/);

    const noRun = await kdr(['status', uniqueName('no-such-run')]);
    assert.equal(noRun.code, 3, shown(noRun));
    assert.match(noRun.stderr, /^kdr: no such run: /);
    assert.doesNotMatch(noRun.stderr, /\n\s+at /, 'no stack trace');
    const noPair = await kdr(['setup', 'no-such-pair'], { KDR_PAIRS_FILE: pairsFile });
    assert.equal(noPair.code, 3, shown(noPair));
    assert.match(noPair.stderr, new RegExp(`no such pair: "no-such-pair" is not in .*\\(pairs: ${ready}, ${late}\\)`));
  });

  test('Temporal unreachable: exit 4 at once, naming the address', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const r = await kdr(['status', 'anything'], { TEMPORAL_ADDRESS: address });
    assert.equal(r.code, 4, shown(r));
    assert.match(r.stderr, new RegExp(`^kdr: Temporal is unreachable at ${address.replace(/\./g, '\\.')}`));
    assert.equal(r.stderr.trim().split('\n').length, 1);
    // A stray local-stack variable does not break the production CLI: only the local stack reads it.
    const stray = await kdr(['status', 'anything'], {
      TEMPORAL_ADDRESS: address,
      KDR_DNS_PORT: 'not-a-port',
      KDR_TEMPORAL_PORT: '99999',
    });
    assert.equal(stray.code, 4, shown(stray));
    assert.doesNotMatch(stray.stderr, /KDR_DNS_PORT|KDR_TEMPORAL_PORT/);
  });

  test('setup blocks on a missing topic: status says so (exit 5), skip is refused, retry finishes it', async () => {
    await withKdrWorker(
      async ({ taskQueue }) => {
        const cli = { KDR_PAIRS_FILE: pairsFile, KDR_TASK_QUEUE: taskQueue };
        const started = await kdr(['setup', late, '--requested-by', 'alice'], cli);
        assert.equal(started.code, 0, shown(started));
        assert.match(
          started.stdout,
          new RegExp(`Started drSetup dr-setup-${late} \\(run [0-9a-f-]+\\) on task queue ${taskQueue}`),
        );
        assert.match(
          started.stdout,
          new RegExp(`Temporal UI: ${local.temporalUiUrl}/namespaces/default/workflows/dr-setup-${late}/[0-9a-f-]+`),
        );

        const again = await kdr(['setup', late], cli);
        assert.equal(again.code, 6, shown(again));
        assert.match(
          again.stderr,
          new RegExp(`refused: a drSetup run for this pair is already running: dr-setup-${late} \\(run `),
        );

        // <run> as the pair name: its current (setup) run.
        const blocked = await eventually(
          () => kdr(['status', late, '--json'], cli),
          (r) => r.code === 5,
          'setup to block',
          180_000,
        );
        const view = JSON.parse(blocked.stdout);
        assert.equal(view.workflowId, `dr-setup-${late}`);
        assert.equal(view.status.phase, 'blocked');
        assert.equal(view.status.steps.find((s: { state: string }) => s.state === 'blocked').name, 'preflight');
        const human = await kdr(['status', `dr-setup-${late}`], cli);
        assert.equal(human.code, 5);
        assert.match(human.stdout, /⛔\s+preflight\s+blocked\s+1\s+.*TopicMissing:/);
        assert.match(human.stdout, new RegExp(`→ kdr resolve dr-setup-${late} retry\\|abort --by <your name>`));

        const skip = await kdr(['resolve', late, 'skip', '--by', 'alice'], cli);
        assert.equal(skip.code, 6, shown(skip));
        assert.match(skip.stderr, /refused: step preflight is not skippable/);

        await createTopic(kafka.primary, lateTopic, 2);
        const retry = await kdr(['resolve', late, 'retry', '--by', 'alice', '--note', 'topic created'], cli);
        assert.equal(retry.code, 0, shown(retry));
        assert.match(retry.stdout, /retry accepted for step preflight/);

        const watched = await kdr(['status', late, '--watch', '--json'], cli);
        assert.equal(watched.code, 0, shown(watched));
        const last = JSON.parse(watched.stdout.trim().split('\n').at(-1)!);
        assert.equal(last.executionStatus, 'COMPLETED');
        assert.ok(last.status.steps.every((s: { state: string }) => s.state === 'succeeded'));
        assert.ok(
          last.status.audit.some(
            (a: { action: string; by: string; accepted: boolean }) =>
              a.action === 'resolve:retry' && a.by === 'alice' && a.accepted,
          ),
        );
        assert.ok(
          !last.status.audit.some((a: { action: string }) => a.action === 'resolve:skip'),
          'the refused skip changed nothing',
        );

        const done = await kdr(['resolve', late, 'retry', '--by', 'alice'], cli);
        assert.equal(done.code, 6, shown(done));
        assert.match(done.stderr, /is completed; nothing to resolve/);
      },
      { env: testEnv({ KDR_PAIRS_FILE: pairsFile }) },
    );
  });

  test('setup, pairs, failover: plan (table and CSV), self-approval refused, approve, a second failover refused, reject', async () => {
    await withKdrWorker(
      async ({ taskQueue }) => {
        const cli = { KDR_PAIRS_FILE: pairsFile, KDR_TASK_QUEUE: taskQueue };
        const setup = await kdr(['setup', ready, '--watch'], cli);
        assert.equal(setup.code, 0, shown(setup));
        assert.match(setup.stdout, /COMPLETED · phase completed/);

        const pairs = await kdr(['pairs', '--json'], cli);
        assert.equal(pairs.code, 0, shown(pairs));
        const listed = JSON.parse(pairs.stdout);
        const mine = listed.pairs.find((p: { name: string }) => p.name === ready);
        assert.equal(mine.domain, `${ready}.kdr.test`);
        assert.equal(mine.setup.status, 'COMPLETED');
        assert.equal(mine.failover, undefined);
        assert.equal(
          mine.fidelity.short,
          'all kept',
          `drSetup measured MirrorMaker 2's profile: ${JSON.stringify(mine.fidelity)}`,
        );
        const table = await kdr(['pairs'], cli);
        assert.match(
          table.stdout,
          new RegExp(`${ready}\\s+kafka -> kafka\\s+kafka-connect\\s+${ready}\\.kdr\\.test\\s+completed .*all kept`),
        );

        // drVerify measures again without changing anything; --fidelity prints the profile property by property.
        const verify = await kdr(['verify', ready, '--fidelity'], cli);
        assert.equal(verify.code, 0, shown(verify));
        assert.match(verify.stdout, /fidelity: measured \(canary /);
        for (const property of [
          'partition',
          'order within a partition',
          'timestamp \\(CreateTime\\)',
          'key and value',
          'headers',
        ]) {
          assert.match(verify.stdout, new RegExp(`${property}\\s+yes`), shown(verify));
        }
        const remeasured = JSON.parse((await kdr(['pairs', '--json'], cli)).stdout).pairs.find(
          (p: { name: string }) => p.name === ready,
        );
        assert.match(remeasured.fidelity.measuredBy, /^drVerify dr-verify-/, 'kdr pairs shows the newest measurement');

        const noPlan = await kdr(['plan', `dr-setup-${ready}`], cli);
        assert.equal(noPlan.code, 6, shown(noPlan));
        assert.match(noPlan.stderr, /has no plan/);

        const started = await kdr(
          ['failover', ready, '--requested-by', 'alice', '--guard', '3s', '--quiet-window', '2s'],
          cli,
        );
        assert.equal(started.code, 0, shown(started));
        const id = `dr-failover-${ready}`;
        assert.match(started.stdout, new RegExp(`Started drFailover ${id} `));
        assert.match(started.stdout, new RegExp(`kdr approve ${id} --by <approver, not alice>`));
        const second = await kdr(['failover', ready, '--requested-by', 'carol'], cli);
        assert.equal(second.code, 6, shown(second));
        assert.match(second.stderr, new RegExp(`already running: ${id}`));

        const waiting = await eventually(
          () => kdr(['status', ready, '--json'], cli),
          (r) => r.code === 5 && JSON.parse(r.stdout).status.phase === 'awaiting-approval',
          'the failover to await approval',
          180_000,
        );
        const planId = JSON.parse(waiting.stdout).status.approval.planId;
        const plan = await kdr(['plan', ready, '--json'], cli);
        assert.equal(plan.code, 0, shown(plan));
        const shownPlan = JSON.parse(plan.stdout);
        assert.equal(shownPlan.planId, planId);
        assert.deepEqual(
          shownPlan.plan.groups.map((g: { group: string }) => g.group),
          [group],
        );
        const human = await kdr(['plan', ready], cli);
        assert.match(
          human.stdout,
          new RegExp(`CNAME ${ready}\\.kdr\\.test: primary\\.kdr\\.test -> secondary\\.kdr\\.test`),
        );
        assert.match(human.stdout, new RegExp(`${group}\\s+4\\s+\\d+`), 'the group with its 4 partitions');
        const csv = await kdr(['plan', ready, '--csv'], cli);
        assert.equal(csv.code, 0, shown(csv));
        const rows = csv.stdout.trim().split('\n');
        assert.equal(rows.length, 4);
        for (const row of rows) assert.match(row, new RegExp(`^${group},(${readyTopics.join('|')}),[01],\\d+$`));
        // The command that applies it, with the pair's secondary and one --group per planned group, on stderr.
        assert.match(
          csv.stderr,
          new RegExp(
            `kafka-consumer-groups.sh --bootstrap-server ${local.secondaryBootstrap} --group ${group} --reset-offsets --from-file plan.csv --execute`,
          ),
        );
        const oneGroup = await kdr(['plan', ready, '--csv', '--group', group], cli);
        assert.ok(
          oneGroup.stdout
            .trim()
            .split('\n')
            .every((r) => /^[^,]+,[01],\d+$/.test(r)),
          shown(oneGroup),
        );

        // An approval names its plan: without --plan-id (and no terminal to confirm on) nothing is sent.
        const unnamed = await kdr(['approve', ready, '--by', 'bob'], cli);
        assert.equal(unnamed.code, 2, shown(unnamed));
        // A declared pair: the summary warns first that anyone who can signal approves under any name.
        assert.match(
          unnamed.stdout,
          new RegExp(
            `^WARNING approval\\.identity is "declared": anyone who can send signals[^\n]*\nPlan ${planId} of ${id} \\(pair ${ready}\\)\n  CNAME ${ready}\\.kdr\\.test: primary\\.kdr\\.test -> secondary\\.kdr\\.test\n  mode `,
          ),
        );
        assert.match(unnamed.stderr, new RegExp(`give --plan-id ${planId}, or --yes to approve the plan shown above`));
        const self = await kdr(['approve', ready, '--by', 'alice', '--plan-id', planId], cli);
        assert.equal(self.code, 6, shown(self));
        assert.match(self.stdout, /refused: .*alice/i);
        const stale = await kdr(['approve', ready, '--by', 'bob', '--plan-id', 'not-the-plan'], cli);
        assert.equal(stale.code, 6, shown(stale));
        const ok = await kdr(['approve', ready, '--by', 'bob', '--comment', 'drill', '--yes'], cli);
        assert.equal(ok.code, 0, shown(ok));
        assert.match(ok.stdout, new RegExp(`approved plan ${planId} of ${id} as bob`));

        const finished = await kdr(['status', id, '--watch', '--json'], cli);
        assert.equal(finished.code, 0, shown(finished));
        const last = JSON.parse(finished.stdout.trim().split('\n').at(-1)!);
        assert.equal(last.executionStatus, 'COMPLETED');
        assert.equal(last.result.cname.after, 'secondary.kdr.test');
        assert.deepEqual(
          last.result.approvedBy.map((a: { by: string }) => a.by),
          ['bob'],
        );

        // The pair's id is free again: a new failover, rejected this time, ends with exit 1 and nothing changed.
        const drill = await kdr(
          ['failover', ready, '--requested-by', 'alice', '--guard', '3s', '--quiet-window', '2s'],
          cli,
        );
        assert.equal(drill.code, 0, shown(drill));
        await eventually(
          () => kdr(['status', ready, '--json'], cli),
          (r) => r.code === 5 && JSON.parse(r.stdout).status.phase === 'awaiting-approval',
          'the second failover to await approval',
          180_000,
        );
        const rejected = await kdr(['reject', ready, '--by', 'bob', '--reason', 'drill only'], cli);
        assert.equal(rejected.code, 0, shown(rejected));
        assert.match(rejected.stdout, /rejected .* nothing was changed/);
        const after = await kdr(['status', ready], cli);
        assert.equal(after.code, 1, shown(after));
        assert.match(after.stdout, /FAILED · phase rejected/);
        assert.match(after.stdout, /Failure: Rejected: rejected by bob: drill only/);
      },
      { env: testEnv({ KDR_PAIRS_FILE: pairsFile }) },
    );

    // No worker polls any more: a closed run's plan and status are read from its history and result.
    const offline = { KDR_PAIRS_FILE: pairsFile, KDR_TASK_QUEUE: uniqueName('nobody-polls') };
    const plan = await kdr(['plan', `dr-failover-${ready}`], offline);
    assert.equal(plan.code, 0, shown(plan));
    assert.match(plan.stdout, /read from the history of closed run/);
    assert.match(plan.stdout, new RegExp(`${group}\\s+(${readyTopics.join('|')})\\s+[01]\\s+\\d+`));
    const csv = await kdr(['plan', `dr-failover-${ready}`, '--csv'], offline);
    assert.equal(csv.code, 0, shown(csv));
    assert.equal(csv.stdout.trim().split('\n').length, 4);
    const status = await kdr(['status', `dr-failover-${ready}`], offline);
    assert.match(status.stdout, /FAILED · phase rejected/, shown(status));
    assert.match(status.stdout, /From the closed run's result in its history \(no worker needed\)/);
  });
});
