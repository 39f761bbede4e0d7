// What `kdr status` prints about a run whose step is retrying: the operator sees the attempts, the last error
// and when the step will block (the pair's deadline for it), without opening the Temporal UI.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderRun } from '../../../app/cli/render';
import type { RunView } from '../../../app/cli/temporal';

describe('kdr status rendering', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  const view = (activities: RunView['activities']): RunView => ({
    workflowId: 'dr-failover-p',
    runId: 'r1',
    type: 'drFailover',
    taskQueue: 'kafka-dr',
    executionStatus: 'RUNNING',
    activities,
  });

  test('a retrying activity shows its attempts, last error and when its step blocks', () => {
    const out = renderRun(
      view([
        {
          type: 'switchCname',
          attempt: 14,
          state: 'scheduled',
          lastFailure: 'Throttling.User: Request was denied due to user flow control.\nstack',
          deadline: '2026-11-30T12:04:00Z',
        },
      ]),
      now,
    );
    assert.match(
      out,
      /activity switchCname: scheduled, attempt 14, last failure: Throttling\.User: Request was denied due to user flow control\., step blocks in 4 min/,
    );
  });

  test('a first attempt shows no deadline (nothing is retrying yet); a passed deadline says now', () => {
    assert.doesNotMatch(
      renderRun(view([{ type: 'assess', attempt: 1, state: 'started', deadline: '2026-11-30T12:20:00Z' }]), now),
      /step blocks/,
    );
    assert.match(
      renderRun(view([{ type: 'assess', attempt: 3, state: 'scheduled', deadline: '2026-11-30T11:59:00Z' }]), now),
      /step blocks now/,
    );
  });
});
