// The operator's path through the Temporal UI, in a real browser (Debian's Chromium, playwright-core) against
// the dev server's UI: start drFailover from the Start Workflow form with a JSON input, read the step table in
// the run's details, run query `plan`, send signal `approve` with the planId read there, see the run complete.
// Screenshots of each screen go to .stack/screenshots/; `npm run screenshots` refreshes the committed ones in
// docs/screenshots/ (the README shows them), so a test run never dirties the repository.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { KafkaConnectProvider } from '../../../src/connectors/kafka-connect';
import { local, repoRoot } from '../../../stack/local-stack';
import { drSetup } from '../../../workflows';
import { planQuery } from '../../../workflows/definitions';
import { runCard } from '../../../app/cli/run-card';
import { openBrowser, type BrowserSession } from '../../helpers/browser';
import { writePairsFile } from '../../helpers/cli';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { kafkaPair, status, testEnv, uniqueName, withKdrWorker, execute, runToEnd } from '../../../stack/harness/kdr';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

const shots = path.resolve(repoRoot, process.env.KDR_SCREENSHOTS_DIR ?? path.join('.stack', 'screenshots'));
fs.mkdirSync(shots, { recursive: true });
const cleanups: (() => Promise<unknown>)[] = [];

/** Saves <shots>/<name>.png; `tall` grows the window so the whole step table is in the picture. */
async function shot(page: Page, name: string, tall = false): Promise<void> {
  const size = page.viewportSize();
  if (tall && size) {
    await page.setViewportSize({ width: size.width, height: 2100 });
    await page.waitForTimeout(300); // let the details pane re-layout; no assertion depends on it
  }
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
  if (tall && size) await page.setViewportSize(size);
}

/** The text of the "Current Details" pane: the UI renders the workflow's Markdown in a sandboxed iframe. */
async function currentDetails(page: Page): Promise<string> {
  const texts = await Promise.all(
    page
      .frames()
      .filter((f) => f !== page.mainFrame())
      .map((f) =>
        f
          .locator('body')
          .innerText({ timeout: 2_000 })
          .catch(() => ''),
      ),
  );
  return texts.join('\n');
}

interface TableLayout {
  rows: number;
  frameWidth: number;
  problems: string[];
}

/**
 * Measures the step table in the Current Details frame: every cell's text must lie inside the frame (no column cut
 * at the right edge) and each cell's text must end before the next cell's text starts (no merged columns), and a
 * step name must fit on one line. Boxes of the rendered text (DOM ranges), not pixels of a picture.
 */
async function stepTableLayout(page: Page): Promise<TableLayout> {
  for (const frame of page.frames().filter((f) => f !== page.mainFrame())) {
    const layout = (await frame.evaluate(MEASURE_STEP_TABLE).catch(() => undefined)) as TableLayout | undefined;
    if (layout) return layout;
  }
  throw new Error('no step table in the Current Details frame');
}

// A string, not a function: tsx would wrap a function's inner helpers in __name(), which the page does not have.
const MEASURE_STEP_TABLE = `(() => {
  const table = [...document.querySelectorAll('table')].find((t) => /\\bStep\\b/.test(t.querySelector('thead')?.textContent ?? ''));
  if (!table) return undefined;
  const frameWidth = document.documentElement.clientWidth;
  const problems = [];
  // The boxes of the text itself (each text node's glyphs), not of the elements around it.
  const textBox = (cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const rects = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(n);
      rects.push(...[...range.getClientRects()].filter((r) => r.width > 0));
    }
    if (!rects.length) return undefined;
    const tops = rects.map((r) => r.top).sort((a, b) => a - b);
    const lines = tops.filter((t, k) => k === 0 || t - tops[k - 1] > rects[0].height / 2).length;
    return { left: Math.min(...rects.map((r) => r.left)), right: Math.max(...rects.map((r) => r.right)), lines };
  };
  const rows = [...table.querySelectorAll('tr')];
  rows.forEach((row, i) => {
    const boxes = [...row.children].map((c) => ({ text: (c.textContent ?? '').trim(), box: textBox(c) }));
    boxes.forEach(({ text, box }, j) => {
      if (!box) return;
      if (box.right > frameWidth + 0.5) problems.push('row ' + i + ' "' + text + '" ends at ' + box.right.toFixed(0) + ' px, past the frame width of ' + frameWidth + ' px');
      if (j === 1 && i > 0 && box.lines > 1) problems.push('row ' + i + ': the step "' + text + '" wraps over ' + box.lines + ' lines');
      const next = boxes.slice(j + 1).find((b) => b.box);
      if (next && next.box.left - box.right < 2) problems.push('row ' + i + ': "' + text + '" and "' + next.text + '" touch (' + (next.box.left - box.right).toFixed(1) + ' px apart)');
    });
  });
  return { rows: rows.length, frameWidth, problems };
})()`;

/** Types into a CodeMirror editor (the UI's JSON inputs) without its auto-closing brackets getting in the way. */
async function fillEditor(page: Page, editor: ReturnType<Page['locator']>, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** On failure, keeps a screenshot of the page (named in the error) so a red run shows what the browser saw. */
async function withFailureShot<T>(page: Page, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const file = path.join(os.tmpdir(), `kdr-ui-failure-${Date.now()}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    if (err instanceof Error) err.message += ` (screenshot of the page: ${file})`;
    throw err;
  }
}

describe('Temporal UI (real browser)', () => {
  let browser: BrowserSession;
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const pair = uniqueName('ui');
  const group = uniqueName('ui-g');
  let topics: string[];
  let pairsFile: string;

  before(async () => {
    await temporal();
    browser = await openBrowser();
    kafka = await openBoth();
    topics = [uniqueName('ui-t0'), uniqueName('ui-t1')];
    for (const t of topics) await createTopic(kafka.primary, t, 2);
    const producer = kafka.primary.kafka.producer();
    await producer.connect();
    for (const t of topics)
      await producer.send({
        topic: t,
        messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      });
    await producer.disconnect();
    for (const t of topics)
      await kafka.primary.admin.setOffsets({
        groupId: group,
        topic: t,
        partitions: [
          { partition: 0, offset: '7' },
          { partition: 1, offset: '4' },
        ],
      });
    pairsFile = writePairsFile([kafkaPair(pair, topics, { groups: [group] })]);
    cleanups.push(
      () => deleteTopics(kafka.primary, topics),
      () => deleteTopics(kafka.secondary, topics),
    );
    cleanups.push(() =>
      new KafkaConnectProvider({ url: local.connectUrl }).remove({
        pair,
        primary: { bootstrapServers: [] },
        secondary: { bootstrapServers: [] },
        topics,
      }),
    );
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await browser?.close();
    await kafka?.close();
    await closeTemporal();
  });

  test('start drFailover from the form, see the step table and the plan, approve by signal, see it complete', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) =>
        withFailureShot(browser.page, async () => {
          const setup = await execute(client, drSetup, { taskQueue, workflowId: `dr-setup-${pair}`, args: [{ pair }] });
          assert.equal(setup.outcome, 'completed');
          const { page } = browser;
          const workflowId = `dr-failover-${pair}`;
          const input = { pair, requestedBy: 'alice', switchover: { quietWindow: '3s', guard: '3s' } };

          // 1. The Start Workflow form, with the Summary and Details fields (More options) that `kdr` fills itself.
          const card = runCard('drFailover', input, `Failover of pair ${pair} requested by alice`);
          await page.setViewportSize({ width: 1280, height: 1000 });
          await page.goto(`${local.temporalUiUrl}/namespaces/default/workflows/start-workflow`);
          await page.getByTestId('workflowId').fill(workflowId);
          await page.getByTestId('taskQueue').fill(taskQueue);
          await page.getByTestId('workflowType').fill('drFailover');
          await fillEditor(page, page.locator('[aria-label="Data"]'), JSON.stringify(input, null, 2));
          await page.getByText('More options').click();
          // Both are Markdown editors (CodeMirror) right after their labels.
          await fillEditor(page, page.locator('label:has-text("Summary") + div .cm-content'), card.summary);
          await fillEditor(page, page.locator('label:has-text("Details") + div .cm-content'), card.details);
          await shot(page, 'ui-start-failover');
          await page.getByTestId('start-workflow-button').click();

          // The run exists, started by the form with that input, on the test's worker.
          const handle = client.workflow.getHandle(workflowId);
          const described = await eventually(
            () => handle.describe(),
            (d) => d.type === 'drFailover',
            'the run started from the UI',
          );
          assert.equal(described.taskQueue, taskQueue);

          // 2. The step table in the run's details (User Metadata: the workflow's current details).
          await eventually(
            () => status(handle),
            (s) => s.phase === 'awaiting-approval',
            'the run to await approval',
            180_000,
          );
          await page.goto(
            `${local.temporalUiUrl}/namespaces/default/workflows/${workflowId}/${described.runId}/user-metadata`,
          );
          const details = await eventually(
            () => currentDetails(page),
            (t) => /phase awaiting-approval/.test(t),
            'the step table in Current Details',
          );
          for (const step of [
            'Assess: secondary healthy',
            'Plan offsets for every group',
            'Switch the CNAME to the secondary',
            'Reset offsets on the secondary',
          ]) {
            assert.ok(details.includes(step), `the details name step "${step}"`);
          }
          for (const name of ['assess', 'plan', 'approval', 'reset-offsets', 'switch-cname'])
            assert.match(details, new RegExp(`\\b${name}\\b`), `the step table lists ${name}`);
          assert.match(details, /Waiting for:\s*approval: 0\/1 for plan [0-9a-f]+/);
          // What to do now comes before the step table; the run's own Summary and Details say what the run is.
          assert.ok(
            details.indexOf('Do now') >= 0 && details.indexOf('Do now') < details.indexOf('Step\t'),
            'the approve command is above the step table',
          );
          assert.equal(await described.staticSummary(), card.summary, 'the form stored the summary');
          assert.equal(await described.staticDetails(), card.details, 'the form stored the details');
          // The UI renders the summary and details, like the current details, in frames of their own.
          assert.ok(details.includes(card.summary), 'the run page shows the static summary');
          assert.match(
            details,
            /mode: auto \(planned if the primary answers\)/,
            'the run page shows the static details',
          );
          // The step table fits a 1280 px window: nothing cut at the right edge, no two columns run together.
          const layout = await stepTableLayout(page);
          assert.ok(layout.rows > 8, `the step table has a row per step (${layout.rows})`);
          assert.deepEqual(layout.problems, [], `step table layout at 1280 px (frame ${layout.frameWidth} px)`);
          await shot(page, 'ui-failover-details', true);
          if (process.env.KDR_SCREENSHOTS_DIR) {
            await page.setViewportSize({ width: 1920, height: 1000 });
            assert.deepEqual((await stepTableLayout(page)).problems, [], 'step table layout at 1920 px');
            await shot(page, 'ui-failover-details-1920', true);
            await page.setViewportSize({ width: 1280, height: 1000 });
          }

          // 3. Query `plan` from the Queries tab; the planId shown there is what the approval must name.
          await page.goto(`${local.temporalUiUrl}/namespaces/default/workflows/${workflowId}/${described.runId}/query`);
          await page.getByTestId('query-select-button').click();
          await page.getByRole('option', { name: /^plan\b/ }).click();
          await page.getByRole('button', { name: 'Run Query' }).click();
          const planText = await eventually(
            async () => page.locator('main').innerText(),
            (t) => /"planId":\s*"[0-9a-f]+"/.test(t),
            'the plan query result',
          );
          const planId = /"planId":\s*"([0-9a-f]+)"/.exec(planText)![1];
          assert.equal(planId, (await handle.query(planQuery))!.planId, "the UI shows the run's current plan");
          assert.match(planText, new RegExp(group), 'the plan lists the group');
          await shot(page, 'ui-plan-query');

          // 4. Signal `approve` from More Actions > Send a Signal.
          await page.getByRole('button', { name: 'More Actions' }).click();
          await page
            .getByRole('menuitem', { name: /Send a Signal/ })
            .filter({ visible: true })
            .first()
            .click();
          const dialog = page.locator('dialog[open]').filter({ has: page.getByTestId('signal-select-button') });
          await dialog.getByTestId('signal-select-button').click();
          await page.getByRole('option', { name: /^approve\b/ }).click();
          await fillEditor(
            page,
            dialog.locator('.cm-content'),
            JSON.stringify({ by: 'bob', planId, comment: 'approved from the Temporal UI' }),
          );
          // Leaving the editor reformats the JSON and moves the Submit button: blur first, then click.
          await dialog.locator('.cm-content').evaluate((editor) => (editor as unknown as { blur(): void }).blur());
          await eventually(
            () => dialog.locator('.cm-line').count(),
            (n) => n > 1,
            'the signal input to be reformatted',
            10_000,
          );
          await shot(page, 'ui-approve-signal');
          await dialog.getByTestId('confirm-modal-button').click();
          await dialog.waitFor({ state: 'hidden', timeout: 15_000 });

          // 5. The run completes; the details show every step done and bob's approval.
          await eventually(
            () => status(handle),
            (s) => s.audit.some((a) => a.action === 'approve' && a.by === 'bob'),
            'the approve signal sent from the UI',
            60_000,
          );
          await eventually(
            () => handle.describe(),
            (d) => d.status.name !== 'RUNNING',
            'the run to end',
            180_000,
          );
          const result = await runToEnd(handle);
          assert.equal(result.outcome, 'completed');
          assert.ok(
            'approvedBy' in result &&
              result.approvedBy.some(
                (a: { by: string; comment?: string }) =>
                  a.by === 'bob' && a.comment === 'approved from the Temporal UI',
              ),
          );
          await page.goto(
            `${local.temporalUiUrl}/namespaces/default/workflows/${workflowId}/${described.runId}/user-metadata`,
          );
          await page
            .getByText(/^completed$/i)
            .first()
            .waitFor({ timeout: 30_000 });
          const finalText = await eventually(
            () => currentDetails(page),
            (t) => /phase completed/.test(t),
            'the completed step table',
          );
          assert.match(finalText, /bob: approve/);
          assert.doesNotMatch(finalText, /\b(pending|blocked)\b/);
          await shot(page, 'ui-failover-completed', true);
        }),
      { env: testEnv({ KDR_PAIRS_FILE: pairsFile }) },
    );
  });
});
