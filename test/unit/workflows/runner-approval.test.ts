// The runner's approval helper on the real dev server: policy (self-approval, allow-list, N approvals, stale
// plan), reject, timeout, dry run. Every approval and refusal lands in the audit trail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import {
  approveSignal,
  planQuery,
  rejectSignal,
  resolveSignal,
  statusQuery,
  type RunReport,
} from '../../../workflows/definitions';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { approvalFixture } from '../../helpers/fixtures/workflows';
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

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected the run to fail, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure);
  return err.cause;
}

describe('approval', () => {
  before(async () => {
    await temporal();
    await workflowBundle(workflowsPath);
  });
  after(closeTemporal);

  test('self-approval, approvers outside the allow-list, stale plans and repeats are refused; N approvals proceed', async () => {
    const control = createControl();
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId: uniqueName('approval-policy'),
        args: [
          {
            pair: uniqueName('pair'),
            requestedBy: 'alice',
            approval: { required: 2, allowList: ['Alice', 'Bob', 'Carol'] },
          },
        ],
      });
      const waiting = await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      const plan = await handle.query(planQuery);
      assert.ok(plan);
      assert.deepEqual(
        plan.plan.groups.map((g) => g.group),
        ['g1', 'g2'],
      );
      assert.equal(waiting.planId, plan.planId);
      assert.match(waiting.waitingFor ?? '', new RegExp(`^approval: 0/2 for plan ${plan.planId} \\(until `));
      assert.equal(waiting.steps.find((s) => s.name === 'approval')?.state, 'running');
      assert.match(
        await currentDetails(handle),
        new RegExp(`Send signal \`approve\` with \`\\{"by": "<your name>", "planId": "${plan.planId}"\\}\``),
      );

      await handle.signal(resolveSignal, { action: 'retry', by: 'bob' });
      await handle.signal(approveSignal, { by: 'alice', planId: plan.planId });
      await handle.signal(approveSignal, { by: 'mallory', planId: plan.planId });
      await handle.signal(approveSignal, { by: 'bob', planId: 'plan-stale' });
      await handle.signal(approveSignal, { by: 'Bob ', planId: plan.planId, comment: 'looks right' });
      const half = await eventually(
        () => handle.query(statusQuery),
        (s) => s.audit.length === 5,
        'five decisions',
      );
      assert.match(half.waitingFor ?? '', /^approval: 1\/2 /);
      await handle.signal(approveSignal, { by: 'bob', planId: plan.planId });
      await handle.signal(approveSignal, { by: 'carol', planId: plan.planId });

      const result = await handle.result();
      assert.equal(result.applied, true);
      assert.deepEqual(result.approvedBy, ['Bob', 'carol'], 'names are trimmed');
      assert.equal(control.calls.get('apply'), 1);
      assert.deepEqual(
        result.audit.map((a) => [a.by, a.action, a.accepted]),
        [
          ['bob', 'resolve:retry', false],
          ['alice', 'approve', false],
          ['mallory', 'approve', false],
          ['bob', 'approve', false],
          ['Bob', 'approve', true],
          ['bob', 'approve', false],
          ['carol', 'approve', true],
        ],
      );
      const reasons = result.audit.map((a) => a.reason ?? '');
      assert.match(reasons[0], /no step is blocked/);
      assert.match(reasons[1], /alice requested this run and may not approve it/);
      assert.match(reasons[2], /mallory is not in approval.allowList/);
      assert.match(reasons[3], /plan plan-stale is not the current plan/);
      assert.equal(result.audit[4].note, 'looks right');
      assert.match(reasons[5], /already approved/);
      assert.equal(
        result.steps.find((s) => s.name === 'approval')?.summary,
        `plan ${plan.planId} approved by Bob, carol`,
      );
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(workflowsPath) },
        await handle.fetchHistory(),
      );
    });
  });

  test('reject ends the run with type Rejected and nothing applied', async () => {
    const control = createControl();
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId: uniqueName('approval-reject'),
        args: [{ pair: uniqueName('pair'), requestedBy: 'alice' }],
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      await handle.signal(rejectSignal, { by: 'bob', reason: 'primary is back' });
      const cause = await failure(handle.result());
      assert.equal(cause.type, 'Rejected');
      assert.equal(cause.nonRetryable, true);
      assert.match(cause.message, /^rejected by bob: primary is back; nothing was changed$/);
      const report = cause.details?.[0] as RunReport;
      assert.equal(report.outcome, 'rejected');
      assert.deepEqual(
        report.audit.map((a) => [a.by, a.action, a.accepted, a.note]),
        [['bob', 'reject', true, 'primary is back']],
      );
      assert.equal(control.calls.get('apply'), undefined, 'nothing was applied');
    });
  });

  test('no approval before the timeout aborts the run with nothing applied', async () => {
    const control = createControl();
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId: uniqueName('approval-timeout'),
        args: [{ pair: uniqueName('pair'), requestedBy: 'alice', approval: { timeout: '2s' } }],
      });
      const cause = await failure(handle.result());
      assert.equal(cause.type, 'Aborted');
      assert.match(cause.message, /^approval timed out: no 1 approval\(s\) within 2s \(got 0\); nothing was changed$/);
      const report = cause.details?.[0] as RunReport;
      assert.equal(report.steps.find((s) => s.name === 'approval')?.state, 'aborted');
      assert.deepEqual(
        report.audit.map((a) => [a.by, a.action, a.step]),
        [['runbook', 'timeout', 'approval']],
      );
      assert.equal(control.calls.get('apply'), undefined);
    });
  });

  test('a dry run ends after the plan without waiting for approval', async () => {
    const control = createControl();
    await withWorker({ workflowsPath, activities: createFixtureActivities(control) }, async ({ client, taskQueue }) => {
      const result = await client.workflow.execute<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId: uniqueName('approval-dry-run'),
        args: [{ pair: uniqueName('pair'), requestedBy: 'alice', dryRun: true }],
      });
      assert.equal(result.applied, false);
      assert.deepEqual(
        result.steps.map((s) => [s.name, s.state]),
        [
          ['plan', 'succeeded'],
          ['approval', 'skipped'],
          ['apply', 'skipped'],
        ],
      );
      assert.equal(control.calls.get('apply'), undefined);
    });
  });
});
