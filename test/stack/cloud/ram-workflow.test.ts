// A worker whose RAM policy lacks one action the runbook needs: drSetup of an EventBridge pair blocks on the step
// that calls it, and the step's error names the action and the policy file (Temporal dev server, both Kafka
// clusters, an emulator of its own holding the worker key to the policy).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { WORKER_POLICY_FILE } from '../../../src/cloud/ram';
import { deadLetterTopic } from '../../../src/connectors/eventbridge';
import { parsePolicy } from '../../../stack/emulator/ram';
import { resolveSignal } from '../../../workflows/definitions';
import { drSetup } from '../../../workflows';
import { startTestEmulator } from '../../../stack/harness/emulator';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { apsaramqPair, blockedStep, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, temporal } from '../../../stack/harness/temporal';

const cleanups: (() => Promise<unknown>)[] = [];

describe('drSetup with a RAM policy that lacks an action', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  before(async () => {
    await temporal();
    kafka = await openBoth();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await kafka.close();
    await closeTemporal();
  });

  test('without eventbridge:CreateEventStreaming the run blocks at ensure-connector, naming the line to add', async () => {
    const policy = parsePolicy(
      JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', WORKER_POLICY_FILE), 'utf8')),
    );
    const ramPolicy = {
      ...policy,
      Statement: policy.Statement.map((s) => ({
        ...s,
        Action: s.Action.filter((a) => a !== 'eventbridge:CreateEventStreaming'),
      })),
    };
    const emu = await startTestEmulator({ dnsPort: undefined, ramPolicy });
    cleanups.push(() => emu.close());
    const name = uniqueName('ram-su');
    const topic = uniqueName('ram-su-t');
    await createTopic(kafka.primary, topic, 1);
    const made = [topic, `${name}-canary`, deadLetterTopic(name)];
    cleanups.push(
      () => deleteTopics(kafka.primary, made),
      () => deleteTopics(kafka.secondary, made),
    );
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const handle = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: apsaramqPair(name, [topic]), watch: false }],
        });
        const blocked = await blockedStep(handle);
        assert.equal(
          blocked.name,
          'ensure-connector',
          'preflight (ApsaraMQ topics and groups) passed under the policy',
        );
        const error = blocked.lastError ?? '';
        assert.match(error, /Forbidden\.RAM/);
        assert.ok(
          error.includes(
            'add "eventbridge:CreateEventStreaming" to the worker\'s RAM policy (config/ram/kafka-dr-worker.json',
          ),
          error,
        );
        await handle.signal(resolveSignal, { action: 'abort', by: 'dave', note: 'granting the action' });
        await assert.rejects(handle.result(), WorkflowFailedError);
      },
      { env: testEnv(emu.env) },
    );
  });
});
