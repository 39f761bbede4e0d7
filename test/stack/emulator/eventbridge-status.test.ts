// Issue 24, finding 1: an event stream status kafka-dr does not know. The official model types Status as an open
// string (PyPI alibabacloud-eventbridge20200401 8.7.0, GetEventStreamingResponseBodyData.status), so the service may
// answer a value no page lists. The emulator only answers the six it models; this file answers through a local
// HTTP endpoint that speaks the RPC envelope, with the real cloud layer (pop-core) and the real provider on top.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCloudClients, kafkaToKafkaParams } from '../../../src/cloud';
import {
  deadLetterTopic,
  EventBridgeProvider,
  isDeadLetterTopic,
  streamFor,
  streamName,
} from '../../../src/connectors/eventbridge';
import type { ReplicationPairSpec } from '../../../src/connectors/types';
import { registry } from '../../../src/metrics/kdr';
import { cloudEnvFor } from '../../../stack/harness/emulator';

const spec: ReplicationPairSpec = {
  pair: 'st',
  primary: { bootstrapServers: [], region: 'cn-hangzhou', instanceId: 'alikafka_pre-cn-kdrprimary01' },
  secondary: { bootstrapServers: [], region: 'cn-shanghai', instanceId: 'alikafka_pre-cn-kdrsecond001' },
  topics: ['orders'],
};

describe('EventBridge status kafka-dr does not know', () => {
  let server: http.Server;
  let url: string;
  let status = 'UPDATING';
  const actions: string[] = [];

  before(async () => {
    // The stream exactly as kafka-dr creates it (so ensure sees its own route), with whatever status is set.
    const wanted = kafkaToKafkaParams(streamFor(spec, 'orders'));
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const action =
          new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('Action') ??
          new URL(req.url ?? '/', 'http://x').searchParams.get('Action') ??
          '?';
        actions.push(action);
        const data =
          action === 'GetEventStreaming'
            ? {
                EventStreamingName: streamName(spec.pair, 'orders'),
                Source: wanted.Source,
                Sink: wanted.Sink,
                RunOptions: wanted.RunOptions,
                Status: status,
                DetailedStatus: {},
              }
            : {};
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ RequestId: 'r1', Code: 'Success', Success: true, Message: '', Data: data }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('an unknown status is shown as it is, read as not running yet (never a permanent failure), and counted', async () => {
    const provider = new EventBridgeProvider(createCloudClients(cloudEnvFor(url)).eventbridge('cn-shanghai'));
    const before =
      /kdr_eventbridge_unknown_status_total\{status="UPDATING"\} (\d+)/.exec(registry.render())?.[1] ?? '0';

    const state = await provider.state(spec);
    assert.equal(state.state, 'starting', 'not running yet: drSetup waits, drWatch says degraded, nothing blocks');
    assert.deepEqual(
      state.tasks,
      [{ id: streamName(spec.pair, 'orders'), state: 'UPDATING' }],
      'the status as the service gave it',
    );
    assert.match(state.cause ?? '', /reports status "UPDATING", which kafka-dr does not know/);
    const after = /kdr_eventbridge_unknown_status_total\{status="UPDATING"\} (\d+)/.exec(registry.render())?.[1];
    assert.equal(Number(after), Number(before) + 1, 'counted in kdr_eventbridge_unknown_status_total');

    actions.length = 0;
    await provider.ensure(spec);
    assert.deepEqual(
      actions,
      ['GetEventStreaming'],
      'ensure neither re-creates nor starts a stream in a status it does not know',
    );
    actions.length = 0;
    await provider.resume(spec);
    assert.deepEqual(actions, ['GetEventStreaming']);
    actions.length = 0;
    await provider.pause(spec);
    assert.deepEqual(actions, ['GetEventStreaming', 'PauseEventStreaming'], 'pause asks: the stream may be running');
  });

  test('the known statuses keep their meaning', async () => {
    const provider = new EventBridgeProvider(createCloudClients(cloudEnvFor(url)).eventbridge('cn-shanghai'));
    const expected: Record<string, string> = {
      READY: 'ready',
      STARTING: 'starting',
      RUNNING: 'running',
      PAUSED: 'paused',
      STARTING_FAILED: 'failed',
      RUNNING_FAILED: 'failed',
    };
    for (const [s, state] of Object.entries(expected)) {
      status = s;
      const got = await provider.state(spec);
      assert.equal(got.state, state, s);
      if (state === 'failed')
        assert.match(
          got.cause ?? '',
          /dead-letter topic kdr-dlq-st on the secondary/,
          'the failure names the dead-letter queue kafka-dr configures',
        );
    }
    status = 'UPDATING';
  });

  test("dead-letter topic names: kdr-dlq-<pair>, within ApsaraMQ's 64 characters, distinct for long names and a failback's reverse pair", () => {
    assert.equal(deadLetterTopic('orders'), 'kdr-dlq-orders');
    const long = 'a'.repeat(63);
    const names = [deadLetterTopic(long), deadLetterTopic(`${long}_reverse`), deadLetterTopic(`${'a'.repeat(62)}b`)];
    for (const n of names) {
      assert.ok(n.length <= 64 && /^[A-Za-z0-9_.-]+$/.test(n), n);
      assert.ok(isDeadLetterTopic(n));
    }
    assert.equal(new Set(names).size, names.length, 'no two pairs share a dead-letter topic');
  });
});
