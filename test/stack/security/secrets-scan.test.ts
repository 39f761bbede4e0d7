// Issue 29, item 4 "Injection and leaks", finding 5: remote answers land in history. The secrets scan of
// test/stack/security/malformed-input.test.ts (AccessKey secret, SASL password) extended to what notifications, Kafka
// Connect and signed approvals carry: webhook tokens and URLs, the DingTalk signing secret, a Slack webhook's
// path, an approver's private key, secrets quoted by Connect's errors and task traces. Receivers and a Connect
// that echo what they got are local HTTP servers; the run is a real drSetup of a pairs-file pair with the real
// worker, and signed approvals go to the approval fixture. Scanned: every history (payloads decoded), result,
// current details, every notification body posted, this process's output and the worker's /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { WorkflowHandle } from '@temporalio/client';
import { approvalActivities } from '../../../activities/approvals';
import type { PairConfigInput } from '../../../src/config';
import { startMetricsFromEnv, type MetricsServer } from '../../../app/metrics-server';
import { excerpt, redact, remoteAnswer } from '../../../src/security/redact';
import { generateApproverKeys, privateKeyFrom, signApproval } from '../../../src/security/approval-signature';
import { local } from '../../../stack/local-stack';
import { drSetup } from '../../../workflows';
import { approveSignal, planQuery, resolveSignal, statusQuery } from '../../../workflows/definitions';
import { startReceiver, type Receiver } from '../notify/receiver';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { approvalFixture } from '../../helpers/fixtures/workflows';
import { createTopic, openBoth } from '../../../stack/harness/kafka';
import { blockedStep, kafkaPair, testEnv, withKdrWorker } from '../../../stack/harness/kdr';
import {
  closeTemporal,
  currentDetails,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const DINGTALK_SECRET = `SEC${'5ec7e7'.repeat(10)}`;
const TOKEN = `tok-${uniqueName('hook')}`;
const SLACK_TOKEN = `slk${uniqueName('x').replace(/-/g, '')}`;
const DT_TOKEN = `dt${uniqueName('a').replace(/-/g, '')}`;
const CONNECT_SECRET = `connect-pw-${uniqueName('c')}`;

describe('finding 5: remote bodies are summarised, redacted and capped (units)', () => {
  test("finding 5: a webhook 401 echoing the request's headers stores the status and a redacted excerpt, never the bearer token", () => {
    const echoed = JSON.stringify(
      {
        error: 'unauthorized',
        request: { url: `/hook?access_token=${TOKEN}`, headers: { authorization: `Bearer ${TOKEN}`, host: 'x' } },
      },
      null,
      2,
    );
    const stored = remoteAnswer(401, echoed);
    assert.match(stored, /^HTTP 401: \{ "error": "unauthorized"/);
    assert.ok(!stored.includes(TOKEN), stored);
    assert.ok(!remoteAnswer(401, `authorization: Basic ${Buffer.from('u:p').toString('base64')}`).includes('dTpw'));
    assert.ok(remoteAnswer(500, 'x'.repeat(10_000)).length <= 'HTTP 500: '.length + 160, 'capped');
    // Secrets the caller sent are removed wherever they show, however they are quoted.
    assert.equal(redact(`got ${TOKEN}!`, [TOKEN]), 'got [redacted]!');
  });

  test('finding 5: Connect errors and traces lose passwords, tokens, URL queries, private keys and long opaque strings', () => {
    const trace =
      `org.apache.kafka.common.KafkaException: ssl.keystore.password=${CONNECT_SECRET}, sasl.jaas.config=... password="${CONNECT_SECRET}"; ` +
      `GET https://x.example/a?token=abc&sig=def -----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY----- key 0123456789abcdef0123456789abcdef01`;
    const out = excerpt(trace, [], 1000);
    for (const leak of [CONNECT_SECRET, 'token=abc', 'MIIEv', '0123456789abcdef0123456789abcdef01'])
      assert.ok(!out.includes(leak), `${leak} in ${out}`);
    assert.match(out, /^org\.apache\.kafka\.common\.KafkaException: ssl\.keystore\.password=\[redacted\]/);
    // What helps the operator stays: exception names, connector names, plain words.
    assert.equal(
      excerpt('Caused by: org.apache.kafka.common.errors.TopicAuthorizationException: kdr-orders-dr-1a2b3c-mm2-source'),
      'Caused by: org.apache.kafka.common.errors.TopicAuthorizationException: kdr-orders-dr-1a2b3c-mm2-source',
    );
    assert.doesNotMatch(excerpt('a\u001b[31mb'), /\u001b/);
  });
});

/** A Kafka Connect that quotes secrets: PUT refused with them in the body (first time), then FAILED tasks with them in the trace. */
async function leakyConnect(): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  let puts = 0;
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'PUT' && /\/config$/.test(req.url ?? '')) {
        puts++;
        if (puts === 1) {
          return json(400, {
            error_code: 400,
            message:
              `Connector configuration is invalid: ssl.truststore.password=${CONNECT_SECRET}; ` +
              `Authorization: Bearer ${CONNECT_SECRET}; producer.override.sasl.jaas.config=... password="${CONNECT_SECRET}";`,
          });
        }
        return json(201, {});
      }
      if (
        req.method === 'GET' &&
        /\/status$/.test(req.url ?? '') &&
        puts > 1 &&
        !(req.url ?? '').includes('_reverse')
      ) {
        const name = decodeURIComponent((req.url ?? '').split('/')[2]);
        const trace =
          `org.apache.kafka.connect.errors.ConnectException: failed\n\tat x\nCaused by: org.apache.kafka.common.errors.SaslAuthenticationException: ` +
          `login failed for user="kdr" password="${CONNECT_SECRET}" (Authorization: Bearer ${CONNECT_SECRET})`;
        return json(200, { name, connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'FAILED', trace }] });
      }
      return json(404, { error_code: 404, message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('finding 5 on the local stack: the extended secrets scan', () => {
  let receiver: Receiver;
  let connect: Awaited<ReturnType<typeof leakyConnect>>;
  let metrics: MetricsServer;
  let tmp: string;
  const captured: string[] = [];
  let restore: (() => void) | undefined;
  const handles: WorkflowHandle[] = [];

  before(async () => {
    // The runtime's exporter must be installed before the first connection to Temporal.
    metrics = (await startMetricsFromEnv({
      KDR_METRICS_PORT: '0',
      KDR_METRICS_TEMPORAL_PORT: String(await freePort()),
    }))!;
    receiver = await startReceiver(DINGTALK_SECRET);
    connect = await leakyConnect();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-scan-'));
    await temporal();
    await workflowBundle(require.resolve('../../helpers/fixtures/workflows'));
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      captured.push(String(chunk));
      return out(chunk, ...rest);
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      captured.push(String(chunk));
      return err(chunk, ...rest);
    }) as typeof process.stderr.write;
    restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  });
  after(async () => {
    restore?.();
    await receiver?.close();
    await connect?.close();
    await metrics?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    await closeTemporal();
  });

  test('finding 5: webhook tokens and URLs, the DingTalk secret, approver keys, Connect traces: in no history, result, details, notification body, log line or /metrics', async () => {
    const name = uniqueName('sec-leak');
    const topic = `${name}-t`;
    const kafka = await openBoth();
    try {
      await createTopic(kafka.primary, topic, 1);
    } finally {
      await kafka.close();
    }
    const urls = {
      KDR_SECRET_LEAK_HOOK_URL: `${receiver.url}/echo/hook/${name}`,
      KDR_SECRET_LEAK_DT_URL: `${receiver.url}/echo/robot/send?access_token=${DT_TOKEN}`,
      KDR_SECRET_LEAK_SLACK_URL: `${receiver.url}/echo/slack/T000/B000/${SLACK_TOKEN}`,
    };
    const pair: PairConfigInput = {
      ...kafkaPair(name, [topic]),
      replication: { ...kafkaPair(name, [topic]).replication, connectUrl: connect.url },
      notify: [
        { type: 'webhook', urlEnv: 'KDR_SECRET_LEAK_HOOK_URL', tokenEnv: 'KDR_SECRET_LEAK_HOOK_TOKEN' },
        { type: 'dingtalk', urlEnv: 'KDR_SECRET_LEAK_DT_URL', secretEnv: 'KDR_SECRET_LEAK_DT_SIGN' },
        { type: 'slack', urlEnv: 'KDR_SECRET_LEAK_SLACK_URL' },
      ],
    };
    const pairsFile = path.join(tmp, 'pairs.json');
    fs.writeFileSync(pairsFile, JSON.stringify({ pairs: [pair] }));
    const env = testEnv({
      KDR_PAIRS_FILE: pairsFile,
      ...urls,
      KDR_SECRET_LEAK_HOOK_TOKEN: TOKEN,
      KDR_SECRET_LEAK_DT_SIGN: DINGTALK_SECRET,
      KDR_NOTIFY_ATTEMPTS: '1',
      KDR_NOTIFY_BACKOFF_MS: '10',
    });

    // 1. drSetup of the pairs-file pair: Connect refuses the config quoting secrets (blocked), then its task fails
    //    with a trace quoting them (blocked again); every block pages three receivers that answer with what they got.
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const h = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup-leak'),
          args: [{ pair: name, watch: false }],
        });
        handles.push(h);
        const first = await blockedStep(h, 180_000);
        assert.equal(first.name, 'ensure-connector', first.lastError);
        assert.match(
          first.lastError ?? '',
          /failed with 400: Connector configuration is invalid: ssl\.truststore\.password=\[redacted\]/,
        );
        await h.signal(resolveSignal, { action: 'retry', by: 'alice' });
        const second = await eventually(
          () => h.query(statusQuery),
          (s) => s.phase === 'blocked' && s.steps.some((x) => x.name === 'wait-running' && x.state === 'blocked'),
          'wait-running to block on the failed task',
          180_000,
        );
        const waitRunning = second.steps.find((x) => x.name === 'wait-running')!;
        assert.match(
          waitRunning.lastError ?? '',
          /SaslAuthenticationException: login failed for user="kdr" password=\[redacted\]/,
        );
        const notes = await eventually(
          () => h.query(statusQuery),
          (s) => s.audit.filter((a) => a.action === 'notify').length >= 2,
          'both blocks reported',
        );
        for (const n of notes.audit.filter((a) => a.action === 'notify')) {
          assert.equal(n.accepted, false, n.note);
          assert.match(n.note ?? '', /webhook \(KDR_SECRET_LEAK_HOOK_URL\): HTTP 401: \{ "error": "unauthorized"/);
          assert.match(
            n.note ?? '',
            /dingtalk \(KDR_SECRET_LEAK_DT_URL\): DingTalk errcode 300001: token is not exist/,
          );
        }
        captured.push(await currentDetails(h));
        await h.signal(resolveSignal, { action: 'abort', by: 'alice', note: 'secrets scan' });
        await h.result().catch(() => undefined);
      },
      { env },
    );
    assert.ok(
      connect.calls.some((c) => c.startsWith('PUT ')),
      'the worker did talk to Connect',
    );
    const posted = receiver.received.filter((r) => r.path.startsWith('/echo'));
    assert.ok(posted.length >= 6, `every block paged three receivers (${posted.length} posts)`);

    // 2. Signed approvals: the approver's private key signs; only the signature travels.
    const bob = generateApproverKeys();
    await withWorker(
      {
        workflowsPath: require.resolve('../../helpers/fixtures/workflows'),
        activities: { ...createFixtureActivities(createControl()), ...approvalActivities() },
      },
      async ({ client, taskQueue }) => {
        // The request is not signed: with forbidSelfApproval on, an unproven requester costs one approval more
        // (identity-signed-decisions covers that); this scan needs one signed approval that goes through.
        const config = {
          ...kafkaPair(uniqueName('sec-key'), ['t']),
          approval: {
            identity: 'signed' as const,
            approvers: [{ name: 'bob', publicKey: bob.publicKey }],
            forbidSelfApproval: false,
          },
        };
        const h = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
          taskQueue,
          workflowId: uniqueName('signed-leak'),
          args: [{ config, requestedBy: 'alice' }],
        });
        handles.push(h);
        await eventually(
          () => h.query(statusQuery),
          (s) => s.phase === 'awaiting-approval',
          'the approval wait',
        );
        const { planId } = (await h.query(planQuery))!;
        const fields = {
          pair: config.name,
          workflowId: h.workflowId,
          runId: (await h.describe()).runId,
          planId,
          by: 'bob',
          signedAt: new Date().toISOString(),
        };
        await h.signal(approveSignal, {
          by: 'bob',
          planId,
          signedAt: fields.signedAt,
          signature: signApproval(privateKeyFrom(bob.privatePem, 'bob'), fields),
        });
        assert.equal((await h.result()).applied, true);
      },
    );

    // The scan.
    const keyBody = bob.privatePem
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join('');
    const SECRETS: Record<string, string> = {
      'the webhook bearer token': TOKEN,
      'the webhook URL': urls.KDR_SECRET_LEAK_HOOK_URL,
      'the DingTalk URL': urls.KDR_SECRET_LEAK_DT_URL,
      'the DingTalk access token': DT_TOKEN,
      'the DingTalk signing secret': DINGTALK_SECRET,
      'the Slack URL': urls.KDR_SECRET_LEAK_SLACK_URL,
      'the Slack token': SLACK_TOKEN,
      "the approver's private key": keyBody,
      "the secret in Connect's answers": CONNECT_SECRET,
      'the AccessKey secret': local.accessKeySecret,
    };
    let scanned = 0;
    const hits: string[] = [];
    const bytesText = (v: Uint8Array) => {
      const b = Buffer.from(v);
      if (b[0] === 0x1f && b[1] === 0x8b) {
        try {
          return gunzipSync(b).toString('latin1');
        } catch {
          /* not gzip after all */
        }
      }
      return b.toString('latin1');
    };
    const scan = (where: string, text: string, except: string[] = []) => {
      scanned++;
      for (const [what, secret] of Object.entries(SECRETS))
        if (!except.includes(what) && text.includes(secret)) hits.push(`${where} contains ${what}`);
    };
    const { client } = await temporal();
    for (const h of handles) {
      const handle = client.workflow.getHandle(h.workflowId);
      scan(
        `history of ${h.workflowId}`,
        JSON.stringify(await handle.fetchHistory(), (_k, v) => (v instanceof Uint8Array ? bytesText(v) : v)),
      );
      scan(
        `result of ${h.workflowId}`,
        JSON.stringify(
          await handle.result().then(
            (r) => r,
            (e: unknown) => e,
          ),
        ),
      );
    }
    // What a receiver gets is the message, never another target's secret, Connect's, or the worker's.
    for (const r of posted) scan(`the body posted to ${r.path}`, JSON.stringify(r.body));
    // The headers a receiver gets carry its own token, and only its own.
    for (const r of posted)
      scan(
        `the headers posted to ${r.path}`,
        JSON.stringify(r.headers),
        r.path.startsWith('/echo/hook') ? ['the webhook bearer token'] : [],
      );
    const scrape = await (await fetch(metrics.url)).text();
    assert.match(
      scrape,
      /^kdr_notifications_total\{(?=[^}]*type="webhook")(?=[^}]*result="failed")[^}]*\} [1-9]/m,
      '/metrics counts the failed notifications',
    );
    scan('/metrics', scrape);
    scan("this process's output (worker and test logs)", captured.join(''));
    // The scanner finds what it looks for (a test that cannot fail proves nothing).
    const before = hits.length;
    scan('control', Object.values(SECRETS).join(' '));
    assert.equal(hits.length - before, Object.keys(SECRETS).length, 'the scan finds every secret where it is');
    hits.splice(before);
    console.log(
      `extended secrets scan: ${handles.length} runs, ${posted.length} notification bodies, /metrics, this process's output: ${scanned} texts, ${Object.keys(SECRETS).length} secrets, ${hits.length} hits`,
    );
    assert.deepEqual(hits, []);
  });
});
