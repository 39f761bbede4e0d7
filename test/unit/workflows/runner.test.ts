// The step runner on the real dev server: step table, blocking after retries, resolve retry/skip/abort,
// current details, search attributes, and bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import {
  approveSignal,
  resolveSignal,
  resolveUpdate,
  statusQuery,
  type RunReport,
  type RunStatus,
} from '../../../workflows/definitions';
import { DrPairKey, DrPhaseKey } from '../../../workflows/runner';
import { classified } from '../../../activities/failures';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { deadlineFixture, pollFixture, runnerFixture } from '../../helpers/fixtures/workflows';
import {
  closeTemporal,
  currentDetails,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const workflowsPath = require.resolve('../../helpers/fixtures/workflows');

function step(status: { steps: RunStatus['steps'] }, name: string) {
  const found = status.steps.find((s) => s.name === name);
  assert.ok(found, `step ${name} in the table`);
  return found;
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected the run to fail, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure, `expected an ApplicationFailure cause, got ${String(err.cause)}`);
  return err.cause;
}

describe('step runner', () => {
  before(async () => {
    await temporal();
    await workflowBundle(workflowsPath);
  });
  after(closeTemporal);

  test('happy path: every step succeeds; table, result, details and search attributes show it', async () => {
    const control = createControl();
    const pair = uniqueName('pair');
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof runnerFixture>('runnerFixture', {
        taskQueue,
        workflowId: uniqueName('runner-happy'),
        args: [{ pair, requestedBy: 'alice' }],
      });
      const result = await handle.result();
      assert.equal(result.outcome, 'completed');
      assert.equal(result.pair, pair);
      assert.deepEqual(
        result.steps.map((s) => [s.name, s.state, s.attempts]),
        [
          ['prepare', 'succeeded', 1],
          ['ensure-thing', 'succeeded', 1],
          ['optional-check', 'succeeded', 1],
          ['report', 'succeeded', 1],
        ],
      );
      assert.equal(step(result, 'prepare').summary, 'prepare done (call 1)');
      assert.equal(step(result, 'report').summary, 'optional check passed');
      assert.equal(result.prepared, 'prepare done (call 1)');
      for (const s of result.steps) {
        assert.ok(s.startedAt && s.endedAt && s.durationMs !== undefined, `${s.name} has start/end times`);
      }
      assert.deepEqual(result.audit, []);

      const status = await handle.query(statusQuery);
      assert.equal(status.phase, 'completed');
      assert.equal(status.waitingFor, undefined);
      const details = await currentDetails(handle);
      assert.match(details, /runnerFixture · pair `pair-[^`]+` · phase \*\*completed\*\*/);
      assert.match(details, /\| ✔ \| `ensure-thing` \| \d+(\.\d)? m?s \|/);
      assert.match(details, /\| ✔ \| `optional-check` \| [^|]*\*\(skippable\)\* \|/);

      const description = await handle.describe();
      assert.equal(description.typedSearchAttributes.get(DrPairKey), pair);
      assert.equal(description.typedSearchAttributes.get(DrPhaseKey), 'completed');
    });
  });

  test('a step failing after its retries blocks, shows its error, and resolve retry completes the run', async () => {
    const control = createControl({ 'ensure-thing': Infinity });
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof runnerFixture>('runnerFixture', {
        taskQueue,
        workflowId: uniqueName('runner-retry'),
        args: [{ pair: uniqueName('pair') }],
      });
      const blocked = await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'blocked',
        'the step to block',
      );
      const s = step(blocked, 'ensure-thing');
      assert.equal(s.state, 'blocked');
      assert.equal(s.attempts, 1);
      assert.match(
        s.lastError ?? '',
        /activity work \(retries exhausted\): Error: ensure-thing: broker unreachable \(simulated, call 2\)/,
      );
      assert.equal(blocked.waitingFor, 'resolve on step ensure-thing (retry or abort)');
      assert.equal(step(blocked, 'prepare').state, 'succeeded');
      assert.equal(step(blocked, 'optional-check').state, 'pending');
      assert.equal(control.calls.get('ensure-thing'), 2, 'the activity used both attempts of its retry policy');

      const details = await currentDetails(handle);
      assert.match(details, /phase \*\*blocked\*\*/);
      assert.match(details, /- ⚠ `ensure-thing` Ensure the thing: \*\*.*broker unreachable/);
      assert.match(details, /\| ⚠ \| `ensure-thing` \|/);
      // What to do comes first: the resolve command is above the step table.
      assert.ok(
        details.indexOf('send signal `resolve`') > 0 &&
          details.indexOf('send signal `resolve`') < details.indexOf('| | Step | Took |'),
      );
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(DrPhaseKey), 'blocked');
      assert.equal(described.status.name, 'RUNNING');

      control.failures.set('ensure-thing', 0); // the operator fixes the cause
      await handle.signal(resolveSignal, { action: 'retry', by: 'alice', note: 'restarted the broker' });
      const result = await handle.result();
      assert.equal(result.outcome, 'completed');
      const retried = step(result, 'ensure-thing');
      assert.equal(retried.state, 'succeeded');
      assert.equal(retried.attempts, 2);
      assert.equal(retried.summary, 'ensure-thing done (call 3)');
      assert.equal(retried.lastError !== undefined, true, 'the last error stays visible after the retry');
      assert.deepEqual(
        result.audit.map((a) => [a.by, a.action, a.accepted, a.step, a.note]),
        [['alice', 'resolve:retry', true, 'ensure-thing', 'restarted the broker']],
      );
    });
  });

  test("a step retries transient errors until the pair's deadline for it, then blocks with the last error", async () => {
    const control = createControl({ 'ensure-thing': Infinity });
    await withWorker(
      { workflowsPath, activities: classified(createFixtureActivities(control)) },
      async ({ client, taskQueue }) => {
        // The product's wrapper around every activity (classified errors, keep-alive heartbeats with the last error).
        const handle = await client.workflow.start<typeof deadlineFixture>('deadlineFixture', {
          taskQueue,
          workflowId: uniqueName('runner-deadline'),
          args: [{ pair: uniqueName('pair') }],
        });
        // Without the deadline the activity would retry forever (no attempt limit, no schedule-to-close timeout).
        const blocked = await eventually(
          () => handle.query(statusQuery),
          (s) => s.phase === 'blocked',
          'the step to block at its deadline',
        );
        const s = step(blocked, 'ensure-thing');
        // Two ways to reach the deadline, both naming it and the last attempt's own error: the deadline passes during a
        // backoff (a timeout; the error comes from the last heartbeat), or the server sees that the next backoff would
        // end past it and stops retrying at once (retry time exhausted; the error is the failure's cause).
        assert.match(
          s.lastError ?? '',
          /(schedule-to-close timeout \(the step's deadline passed\), last error|\(retry time exhausted: the step's deadline passed\):) Error: ensure-thing: broker unreachable \(simulated, call \d+\)/,
          "the last attempt's own error is shown, not only the timeout",
        );
        assert.ok((control.calls.get('ensure-thing') ?? 0) >= 2, 'retried until the deadline');
        control.failures.set('ensure-thing', 0);
        await handle.signal(resolveSignal, { action: 'retry', by: 'alice' });
        assert.equal((await handle.result()).outcome, 'completed');
      },
    );
  });

  test('skip is refused on a non-skippable step (signal: recorded, update: rejected) and allowed on a skippable one', async () => {
    const control = createControl({ 'ensure-thing': 2, 'optional-check': Infinity });
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof runnerFixture>('runnerFixture', {
        taskQueue,
        workflowId: uniqueName('runner-skip'),
        args: [{ pair: uniqueName('pair') }],
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => step(s, 'ensure-thing').state === 'blocked',
        'ensure-thing to block',
      );

      await handle.signal(resolveSignal, { action: 'skip', by: 'bob' });
      const refused = await eventually(
        () => handle.query(statusQuery),
        (s) => s.audit.length === 1,
        'the refusal to be recorded',
      );
      assert.equal(step(refused, 'ensure-thing').state, 'blocked', 'a refused skip leaves the step blocked');
      assert.deepEqual(
        refused.audit.map((a) => [a.by, a.action, a.accepted, a.step]),
        [['bob', 'resolve:skip', false, 'ensure-thing']],
      );
      assert.match(refused.audit[0].reason ?? '', /step ensure-thing is not skippable/);

      const err = await handle.executeUpdate(resolveUpdate, { args: [{ action: 'skip', by: 'bob' }] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowUpdateFailedError, `expected the update to be rejected, got ${String(err)}`);
      assert.match(String((err.cause as Error | undefined)?.message), /step ensure-thing is not skippable/);

      const accepted = await handle.executeUpdate(resolveUpdate, { args: [{ action: 'retry', by: 'bob' }] });
      assert.deepEqual(accepted, { step: 'ensure-thing', action: 'retry' });

      await eventually(
        () => handle.query(statusQuery),
        (s) => step(s, 'optional-check').state === 'blocked',
        'optional-check to block',
      );
      const waiting = await handle.query(statusQuery);
      assert.equal(waiting.waitingFor, 'resolve on step optional-check (retry, skip or abort)');
      await handle.signal(resolveSignal, { action: 'skip', by: 'carol', note: 'checked by hand' });
      const result = await handle.result();
      assert.equal(result.outcome, 'completed');
      assert.equal(result.optionalCheck, null);
      assert.equal(step(result, 'optional-check').state, 'skipped');
      assert.equal(step(result, 'optional-check').summary, 'skipped by carol: checked by hand');
      assert.equal(step(result, 'report').summary, 'optional check skipped');
      assert.deepEqual(
        result.audit.map((a) => [a.by, a.action, a.accepted, a.step]),
        [
          ['bob', 'resolve:skip', false, 'ensure-thing'],
          ['bob', 'resolve:retry', true, 'ensure-thing'],
          ['carol', 'resolve:skip', true, 'optional-check'],
        ],
      );
      // A worker crash only replays: the recorded history (blocks, refusals, update, signals) replays cleanly.
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(workflowsPath) },
        await handle.fetchHistory(),
      );
    });
  });

  test('invalid resolve requests are refused with the reason and recorded', async () => {
    const control = createControl({ prepare: Infinity });
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof runnerFixture>('runnerFixture', {
        taskQueue,
        workflowId: uniqueName('runner-invalid'),
        args: [{ pair: uniqueName('pair') }],
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'blocked',
        'prepare to block',
      );
      await handle.signal(resolveSignal, { action: 'restart', by: 'dave' } as never);
      await handle.signal(resolveSignal, { action: 'retry', by: 'dave', step: 'report' });
      await handle.signal(resolveSignal, { action: 'retry' } as never);
      await handle.signal(approveSignal, { by: 'dave', planId: 'plan-x' });
      const status = await eventually(
        () => handle.query(statusQuery),
        (s) => s.audit.length === 4,
        'four refusals',
      );
      assert.ok(status.audit.every((a) => !a.accepted));
      assert.match(status.audit[0].reason ?? '', /action: expected one of "retry", "skip", "abort", got "restart"/);
      assert.match(status.audit[1].reason ?? '', /step report is not blocked \(blocked: prepare\)/);
      assert.match(status.audit[2].reason ?? '', /by: missing/);
      assert.equal(status.audit[3].action, 'approve');
      assert.match(status.audit[3].reason ?? '', /nothing is waiting for approval/);
      assert.equal(step(status, 'prepare').state, 'blocked');
      await handle.terminate('test done');
    });
  });

  test('abort ends the run non-retryably with type Aborted, carrying the step table and the audit trail', async () => {
    const control = createControl({ prepare: Infinity });
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof runnerFixture>('runnerFixture', {
        taskQueue,
        workflowId: uniqueName('runner-abort'),
        args: [{ pair: uniqueName('pair') }],
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'blocked',
        'prepare to block',
      );
      await handle.signal(resolveSignal, { action: 'abort', by: 'erin', note: 'wrong pair' });
      const cause = await failure(handle.result());
      assert.equal(cause.type, 'Aborted');
      assert.equal(cause.nonRetryable, true);
      assert.match(cause.message, /^aborted by erin at step prepare: wrong pair \(last error: .*broker unreachable/);
      const report = cause.details?.[0] as RunReport;
      assert.equal(report.outcome, 'aborted');
      assert.equal(step(report, 'prepare').state, 'aborted');
      assert.equal(step(report, 'ensure-thing').state, 'pending');
      assert.deepEqual(
        report.audit.map((a) => [a.by, a.action, a.accepted, a.note]),
        [['erin', 'resolve:abort', true, 'wrong pair']],
      );
      assert.equal(control.calls.get('ensure-thing'), undefined, 'nothing after the aborted step ran');
      assert.equal((await handle.describe()).typedSearchAttributes.get(DrPhaseKey), 'aborted');
    });
  });

  test('bad input fails the run at once, non-retryably, naming every wrong field', async () => {
    const control = createControl();
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start('runnerFixture', {
        taskQueue,
        workflowId: uniqueName('runner-bad-input'),
        args: [
          {
            config: {
              name: 'Bad Name',
              dns: { provider: 'alidns', domain: 'kdr.test', rr: 'kafka', ttl: 'sixty', resolvers: [] },
            },
            dryrun: true,
          },
        ],
      });
      const cause = await failure(handle.result());
      assert.equal(cause.type, 'InvalidInput');
      assert.equal(cause.nonRetryable, true);
      for (const expected of [
        /config\.name: expected a lowercase name .*, got "Bad Name"/,
        /config\.dns\.ttl: expected an integer between 1 and 86400, got "sixty"/,
        /config\.dns\.resolvers: expected a non-empty list of DNS resolvers \(ip\[:port\]\), got an empty list/,
        /config\.primary: missing: expected an object/,
        /config\.replication: missing: expected an object/,
        /dryrun: unknown field/,
      ]) {
        assert.match(cause.message, expected);
      }
      assert.equal(control.calls.size, 0, 'no activity ran');
      let events = 0;
      for (const e of (await handle.fetchHistory()).events ?? []) {
        events++;
        assert.ok(!e.activityTaskScheduledEventAttributes, 'no activity was scheduled');
      }
      assert.ok(events <= 8, `failed within the first workflow task (${events} events)`);
    });
  });

  test('pollUntil: a bounded durable wait; when the bound passes the step blocks with the last observation', async () => {
    const control = createControl({ 'wait-running': Infinity });
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof pollFixture>('pollFixture', {
        taskQueue,
        workflowId: uniqueName('runner-poll'),
        args: [{ pair: uniqueName('pair') }],
      });
      const blocked = await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'blocked',
        'the wait to give up',
      );
      // How many checks fit in the bound depends on the machine: assert the shape and the last observation.
      const checks = control.calls.get('wait-running') ?? 0;
      assert.ok(checks >= 1, 'it checked before giving up');
      assert.equal(
        step(blocked, 'wait-running').lastError,
        `WaitTimedOut: the thing to run: not reached within 1s (${checks} checks); last seen: {"state":"STARTING","calls":${checks}}`,
      );
      control.failures.set('wait-running', 0); // it runs now
      await handle.signal(resolveSignal, { action: 'retry', by: 'alice' });
      const result = await handle.result();
      assert.equal(step(result, 'wait-running').summary, `RUNNING after ${checks + 1} checks`);
      assert.equal(step(result, 'wait-running').attempts, 2);
    });
  });
});
