// Notifications: the pairs file's `notify` section (validation), DingTalk's signature, and real runs on the dev
// server posting "approval needed", "step blocked" and "completed" to a local receiver; a receiver answering
// 500 does not block the run, and neither URLs nor secrets appear in the run's history.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { PairConfigSchema, validate, type PairConfig, type PairConfigInput } from '../../../src/config';
import { dingTalkSign, signedDingTalkUrl } from '../../../src/notify/dingtalk';
import { runEventActivities } from '../../../activities/run-events';
import type { ActivityDeps } from '../../../activities';
import { approveSignal, planQuery, resolveSignal, statusQuery } from '../../../workflows/definitions';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { notifyFixture } from './fixtures/workflows';
import {
  closeTemporal,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';
import { startReceiver, type Receiver } from './receiver';

const workflowsPath = require.resolve('./fixtures/workflows');
const SECRET = `SEC${'f00d'.repeat(12)}`;
const TOKEN = 'tok-9d2f7c1e5b';

const base: PairConfigInput = {
  name: 'orders-dr',
  primary: { provider: 'kafka', bootstrapServers: ['10.0.0.1:9092'], endpointHost: 'primary.example.com' },
  secondary: { provider: 'kafka', bootstrapServers: ['10.1.0.1:9092'], endpointHost: 'secondary.example.com' },
  replication: {
    provider: 'kafka-connect',
    topics: ['orders'],
    canaryTopic: 'kdr-canary',
    connectUrl: 'http://connect:8083',
  },
  dns: { provider: 'alidns', domain: 'example.com', rr: 'kafka', ttl: 60, resolvers: ['223.5.5.5'] },
};

describe('notify config', () => {
  test('targets name environment variables; defaults to none', () => {
    const none = validate(PairConfigSchema, base);
    assert.ok(none.ok);
    assert.deepEqual(none.value.notify, []);
    const r = validate(PairConfigSchema, {
      ...base,
      notify: [
        { type: 'dingtalk', urlEnv: 'KDR_SECRET_DINGTALK_URL', secretEnv: 'KDR_SECRET_DINGTALK_SIGN' },
        { type: 'slack', urlEnv: 'SLACK_ONCALL_URL', events: ['approval-needed', 'run-aborted'] },
        { type: 'webhook', urlEnv: 'PAGER_URL', tokenEnv: 'PAGER_TOKEN' },
      ],
    });
    assert.ok(r.ok, r.ok ? '' : r.message);
  });

  test('a URL instead of a variable name, a missing signing secret, a reserved variable or an unknown event is refused naming the field', () => {
    const r = validate(PairConfigSchema, {
      ...base,
      notify: [
        { type: 'slack', urlEnv: 'https://hooks.slack.com/services/T/B/x' },
        { type: 'dingtalk', urlEnv: 'DT_URL' },
        { type: 'webhook', urlEnv: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', events: ['paged'] },
        { type: 'teams', urlEnv: 'X' },
      ],
    });
    assert.ok(!r.ok);
    assert.match(
      r.message,
      /notify\[0\]\.urlEnv: expected the NAME of the worker's environment variable holding the Slack incoming-webhook URL \(e\.g\. KDR_SECRET_SLACK_URL\), not the value itself/,
    );
    assert.ok(!r.message.includes('hooks.slack.com'), 'the URL (a secret) is not echoed');
    assert.match(r.message, /notify\[1\]\.secretEnv: missing/);
    assert.match(r.message, /notify\[2\]\.urlEnv: names a variable the worker keeps for itself/);
    assert.match(r.message, /notify\[2\]\.events\[0\]: expected one of "approval-needed"/);
    assert.match(r.message, /notify\[3\][^\n]*expected a notification target/);
  });
});

describe('DingTalk signature', () => {
  test("matches the documented algorithm (vector computed with Python hmac/base64/quote_plus, as in DingTalk's example)", () => {
    assert.equal(
      dingTalkSign('SECtest0123456789', 1700000000000),
      'yBKp5IlG6qCzcQWmgyRK%2FziJBdVNJmHfFE2ST%2FCzT%2Fg%3D',
    );
    assert.equal(
      signedDingTalkUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'SECtest0123456789', 1700000000000),
      'https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=yBKp5IlG6qCzcQWmgyRK%2FziJBdVNJmHfFE2ST%2FCzT%2Fg%3D',
    );
  });
});

describe('notifications from runs on the dev server', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver(SECRET);
    await temporal();
    await workflowBundle(workflowsPath);
  });
  after(async () => {
    await receiver?.close();
    await closeTemporal();
  });

  function worker(
    pair: string,
    notify: PairConfigInput['notify'],
    env: Record<string, string>,
    failures: Record<string, number> = {},
  ) {
    const parsed = validate(PairConfigSchema, { ...base, name: pair, notify });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    const deps = {
      env: { KDR_NOTIFY_BACKOFF_MS: '50', KDR_TEMPORAL_UI_URL: 'http://127.0.0.1:8233', ...env },
      pairs: () => new Map<string, PairConfig>([[pair, parsed.value]]),
    };
    const control = createControl(failures);
    return {
      control,
      activities: { ...createFixtureActivities(control), ...runEventActivities(deps as unknown as ActivityDeps) },
    };
  }

  test('approval needed, step blocked and completed reach DingTalk (signed), Slack and a webhook; no URL or secret in the history', async () => {
    const pair = uniqueName('notify');
    const env = {
      KDR_SECRET_DT_URL: `${receiver.url}/robot/send?access_token=${TOKEN}`,
      KDR_SECRET_DT_SIGN: SECRET,
      KDR_SECRET_SLACK_URL: `${receiver.url}/slack/T000/B000/${TOKEN}`,
      KDR_SECRET_HOOK_URL: `${receiver.url}/hook/${pair}`,
      KDR_SECRET_HOOK_TOKEN: TOKEN,
    };
    const { control, activities } = worker(
      pair,
      [
        { type: 'dingtalk', urlEnv: 'KDR_SECRET_DT_URL', secretEnv: 'KDR_SECRET_DT_SIGN' },
        { type: 'slack', urlEnv: 'KDR_SECRET_SLACK_URL' },
        { type: 'webhook', urlEnv: 'KDR_SECRET_HOOK_URL', tokenEnv: 'KDR_SECRET_HOOK_TOKEN' },
      ],
      env,
      { apply: 2 },
    );
    const mine = () => receiver.received.filter((r) => JSON.stringify(r.body).includes(pair));
    await withWorker({ workflowsPath, activities }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof notifyFixture>('notifyFixture', {
        taskQueue,
        workflowId: uniqueName('notify-run'),
        args: [{ pair, requestedBy: 'alice' }],
      });
      await eventually(
        async () => mine().length,
        (n) => n >= 3,
        'three approval-needed posts',
      );
      const plan = await handle.query(planQuery);
      assert.ok(plan);
      const [ding] = mine().filter((r) => r.path === '/robot/send');
      assert.equal(ding.signed, true, 'DingTalk signature checked by the receiver');
      assert.equal(ding.query.get('access_token'), TOKEN);
      const dingText = ding.body as { msgtype: string; markdown: { title: string; text: string } };
      assert.equal(dingText.msgtype, 'markdown');
      assert.match(dingText.markdown.title, new RegExp(`${pair}: notifyFixture needs approval`));
      assert.ok(
        dingText.markdown.text.includes(`kdr approve ${pair} --by <you> --plan-id ${plan.planId}`),
        dingText.markdown.text,
      );
      assert.match(
        dingText.markdown.text,
        /3 group\(s\), 6 partition\(s\); at most 7 record\(s\) re-read in all \(duplicate bound\)/,
      );
      assert.match(dingText.markdown.text, /May approve: anyone, except the requester alice/);
      assert.ok(
        dingText.markdown.text.includes(`http://127.0.0.1:8233/namespaces/default/workflows/${handle.workflowId}/`),
        'the UI link',
      );
      const slack = mine().find((r) => r.path.startsWith('/slack/'));
      assert.match((slack?.body as { text: string }).text, /^\*\[kafka-dr\] .* needs approval\*/);
      const hook = mine().find((r) => r.path.startsWith('/hook/'));
      assert.equal(hook?.headers.authorization, `Bearer ${TOKEN}`);
      const hookBody = hook?.body as {
        kind: string;
        planId: string;
        plan: { duplicateBound: number };
        origin: { workflowId: string };
        commands: string[];
      };
      assert.deepEqual(
        [hookBody.kind, hookBody.planId, hookBody.plan.duplicateBound, hookBody.origin.workflowId],
        ['approval-needed', plan.planId, 7, handle.workflowId],
      );

      await handle.signal(approveSignal, { by: 'bob', planId: plan.planId });
      // apply fails twice (its two attempts): the step blocks and says how to resolve it.
      await eventually(
        async () =>
          mine().filter(
            (r) =>
              JSON.stringify(r.body).includes('step-blocked') || JSON.stringify(r.body).includes('blocked at apply'),
          ).length,
        (n) => n >= 3,
        'three step-blocked posts',
      );
      const blocked = mine().find(
        (r) => r.path.startsWith('/hook/') && (r.body as { kind: string }).kind === 'step-blocked',
      )!.body as { error: string; commands: string[] };
      assert.match(blocked.error, /broker unreachable \(simulated/);
      assert.ok(
        blocked.commands.includes(
          `kdr resolve ${handle.workflowId} retry --by <you> --step apply   # after fixing the cause`,
        ),
        blocked.commands.join('\n'),
      );
      control.failures.set('apply', 0);
      await handle.signal(resolveSignal, { action: 'retry', by: 'carol' });
      const result = await handle.result();
      assert.equal(result.applied, true);
      const done = mine().filter((r) => JSON.stringify(r.body).includes('completed'));
      assert.equal(done.length, 3, 'completed on every target');
      const notes = result.audit.filter((a) => a.action === 'notify');
      assert.deepEqual(
        notes.map((a) => [a.accepted, a.note?.split(':')[0]]),
        [
          [true, 'approval-needed'],
          [true, 'step-blocked'],
          [true, 'run-completed'],
        ],
      );
      assert.match(
        notes[0].note ?? '',
        /sent to dingtalk \(KDR_SECRET_DT_URL\), slack \(KDR_SECRET_SLACK_URL\), webhook \(KDR_SECRET_HOOK_URL\)/,
      );

      const history = JSON.stringify((await handle.fetchHistory()).events);
      for (const secret of [TOKEN, SECRET, receiver.url])
        assert.ok(!history.includes(secret), `history must not contain ${secret}`);
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(workflowsPath) },
        await handle.fetchHistory(),
      );
    });
  });

  test('a run of an inline config named like a pair of the pairs file pages nobody', async () => {
    const pair = uniqueName('notify-inline');
    const { activities } = worker(pair, [{ type: 'webhook', urlEnv: 'KDR_SECRET_HOOK_URL' }], {
      KDR_SECRET_HOOK_URL: `${receiver.url}/hook/${pair}`,
    });
    await withWorker({ workflowsPath, activities }, async ({ client, taskQueue }) => {
      const before = receiver.received.length;
      const result = await client.workflow.execute<typeof notifyFixture>('notifyFixture', {
        taskQueue,
        workflowId: uniqueName('notify-inline'),
        args: [{ config: { ...base, name: pair }, requestedBy: 'alice', dryRun: true }],
      });
      assert.equal(result.applied, false);
      assert.equal(receiver.received.length, before, 'nothing posted');
      assert.deepEqual(
        result.audit.filter((a) => a.action === 'notify'),
        [],
      );
      // The same pair by name (from the pairs file) does notify.
      await client.workflow.execute<typeof notifyFixture>('notifyFixture', {
        taskQueue,
        workflowId: uniqueName('notify-named'),
        args: [{ pair, requestedBy: 'alice', dryRun: true }],
      });
      assert.equal(receiver.received.filter((r) => r.path === `/hook/${pair}`).length, 1);
    });
  });

  test('a receiver answering 500 and a missing variable do not block the run: retried, then recorded in the audit trail', async () => {
    const pair = uniqueName('notify-fail');
    const { activities } = worker(
      pair,
      [
        { type: 'webhook', urlEnv: 'KDR_SECRET_FAIL_URL' },
        { type: 'slack', urlEnv: 'KDR_SECRET_UNSET_URL' },
      ],
      { KDR_SECRET_FAIL_URL: `${receiver.url}/fail/${pair}` },
    );
    await withWorker({ workflowsPath, activities }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof notifyFixture>('notifyFixture', {
        taskQueue,
        workflowId: uniqueName('notify-500'),
        args: [{ pair, requestedBy: 'alice' }],
      });
      const waiting = await eventually(
        () => handle.query(statusQuery),
        (s) => s.audit.some((a) => a.action === 'notify'),
        'the failed approval notification recorded',
      );
      assert.equal(waiting.phase, 'awaiting-approval');
      await handle.signal(approveSignal, { by: 'bob', planId: waiting.planId! });
      const result = await handle.result();
      assert.equal(result.applied, true);
      const notes = result.audit.filter((a) => a.action === 'notify');
      assert.equal(notes.length, 2);
      for (const n of notes) {
        assert.equal(n.accepted, false);
        assert.match(n.note ?? '', /FAILED webhook \(KDR_SECRET_FAIL_URL\): HTTP 500: internal error; slack/);
        assert.match(
          n.note ?? '',
          /slack \(KDR_SECRET_UNSET_URL\): KDR_SECRET_UNSET_URL is not set in the worker's environment/,
        );
      }
      assert.equal(
        receiver.received.filter((r) => r.path === `/fail/${pair}`).length,
        6,
        '3 attempts for each of the 2 events',
      );
    });
  });
});
