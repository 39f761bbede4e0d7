// Finding "drWatch accepts its internal state from any starter": a start with {"state": {"lastCanaryAt": 9e15}}
// turned the canary off for good. The carried state is accepted only by a run that continues an earlier one
// (Temporal's continuedFromExecutionRunId, which no starter can set); a start with it, or with any unknown field,
// fails at once with InvalidInput naming the field. Real dev server, real worker, real Kafka (the watch's checks).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { watchWorkflowId } from '../../../workflows/contract';
import { drWatch } from '../../../workflows';
import { watchQuery } from '../../../workflows/definitions';
import { kafkaPair, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { closeTemporal, eventually, temporal } from '../../../stack/harness/temporal';

describe('identity: drWatch state is not a user input', () => {
  before(() => temporal());
  after(closeTemporal);

  test('finding "drWatch accepts its internal state from any starter": a start carrying state or an unknown field is refused; continue-as-new still carries it', async () => {
    const name = uniqueName('sec-wst');
    const topic = `${name}-orders`;
    const kafka = await openBoth();
    try {
      for (const t of [topic, `${name}-canary`]) {
        await createTopic(kafka.primary, t, 1);
        await createTopic(kafka.secondary, t, 1);
      }
      const config = kafkaPair(name, [topic], { watch: { interval: '1s', canaryEvery: '10m' } });
      const forged = {
        health: 'healthy',
        since: 0,
        why: 'fine',
        startedAt: 0,
        ticks: 0,
        runs: 1,
        lastCanaryAt: 9e15,
        transitions: [],
      };
      await withKdrWorker(async ({ client, taskQueue }) => {
        for (const [what, input, field] of [
          [
            'a forged state (canary "ran" in the year 2255)',
            { config, state: forged },
            /state: is internal: only the watch itself carries its state/,
          ],
          ['an unknown field', { config, lastCanaryAt: 9e15 }, /lastCanaryAt: unknown field/],
        ] as const) {
          const handle = await client.workflow.start(drWatch, {
            taskQueue,
            workflowId: uniqueName('watch-forged'),
            args: [input as never],
          });
          const err = await handle.result().then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(
            err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure,
            `${what}: the run fails`,
          );
          assert.equal(err.cause.type, 'InvalidInput', what);
          assert.match(err.cause.message, field, what);
        }
        // The watch's own carry-over still works: continue-as-new after every check, the count of checks survives.
        const handle = await client.workflow.start(drWatch, {
          taskQueue,
          workflowId: watchWorkflowId(name),
          args: [{ config, continueAsNewEvery: 1 }],
        });
        try {
          const later = await eventually(
            () => handle.query(watchQuery),
            (s) => s.runs >= 3,
            'two continue-as-new',
            60_000,
          );
          assert.ok(later.ticks >= 2, `checks counted across runs: ${later.ticks}`);
          assert.notEqual((await handle.describe()).runId, handle.firstExecutionRunId);
        } finally {
          await handle.terminate('test done');
        }
      });
    } finally {
      await deleteTopics(kafka.primary, [topic, `${name}-canary`]).catch(() => undefined);
      await deleteTopics(kafka.secondary, [topic, `${name}-canary`]).catch(() => undefined);
      await kafka.close();
    }
  });
});
