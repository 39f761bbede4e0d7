// kafka-dr against a TLS-protected Temporal frontend, configured only through @temporalio/envconfig's standard
// variables (TEMPORAL_ADDRESS, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME): the worker's
// connection (temporalTarget, as app/worker.ts makes it) runs a runbook, and `kdr status` reads it. The dev
// server has no TLS of its own, so a TLS-terminating proxy (a CA and a server certificate made with openssl for
// this test) stands in front of it, as a load balancer does in front of a production frontend.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverter } from '../../../src/data-converter';
import { local } from '../../../stack/local-stack';
import { temporalTarget } from '../../../app/temporal-connection';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { runnerFixture } from '../../helpers/fixtures/workflows';
import { kdr } from '../../helpers/cli';
import { ensureStack } from '../../../stack/harness/stack';
import { uniqueName, workflowBundle } from '../../../stack/harness/temporal';

/** A CA and a certificate for localhost / 127.0.0.1 signed by it, in a fresh directory. */
function makeCertificates(): { dir: string; ca: string; cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-tls-'));
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=kdr-test-ca',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  fs.writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('san.ext'),
    '-out',
    f('server.pem'),
  );
  return { dir, ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** TLS in front, plaintext gRPC behind (HTTP/2 negotiated by ALPN, as gRPC clients require). */
async function tlsProxy(
  certs: { cert: string; key: string },
  upstream: { host: string; port: number },
): Promise<{ port: number; close(): void }> {
  const server = tls.createServer(
    { cert: fs.readFileSync(certs.cert), key: fs.readFileSync(certs.key), ALPNProtocols: ['h2'] },
    (socket) => {
      const backend = net.connect(upstream.port, upstream.host);
      socket.pipe(backend).pipe(socket);
      const end = () => {
        socket.destroy();
        backend.destroy();
      };
      socket.on('error', end);
      backend.on('error', end);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('Temporal over TLS (envconfig variables only)', () => {
  let certs: ReturnType<typeof makeCertificates>;
  let proxy: Awaited<ReturnType<typeof tlsProxy>>;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    await ensureStack();
    certs = makeCertificates();
    const [host, port] = local.temporalAddress.split(':');
    proxy = await tlsProxy(certs, { host, port: Number(port) });
    env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
      TEMPORAL_NAMESPACE: local.namespace,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    };
  });
  after(() => {
    proxy.close();
    fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  test('without the CA the connection is refused; with it the worker runs a runbook and kdr reads it', async () => {
    const target = temporalTarget(env);
    assert.ok(target.connectionOptions.tls, 'envconfig turned TLS on from the CA variable');
    await assert.rejects(
      Connection.connect({ address: target.address, tls: {}, connectTimeout: 5_000 }),
      'a client that does not trust the CA is refused',
    );

    const native = await NativeConnection.connect(target.connectionOptions);
    const connection = await Connection.connect(target.connectionOptions);
    try {
      const client = new Client({ connection, namespace: target.namespace, dataConverter });
      const taskQueue = uniqueName('tls-tq');
      const worker = await Worker.create({
        connection: native,
        namespace: target.namespace,
        taskQueue,
        dataConverter,
        workflowBundle: await workflowBundle(require.resolve('../../helpers/fixtures/workflows')),
        activities: createFixtureActivities(createControl()),
      });
      const workflowId = uniqueName('tls-run');
      const result = await worker.runUntil(
        client.workflow.execute<typeof runnerFixture>('runnerFixture', {
          taskQueue,
          workflowId,
          args: [{ pair: uniqueName('pair') }],
        }),
      );
      assert.equal(result.outcome, 'completed');

      const status = await kdr(['status', workflowId, '--json'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.equal(JSON.parse(status.stdout).executionStatus, 'COMPLETED');
      const { TEMPORAL_TLS_SERVER_CA_CERT_PATH: _ca, ...withoutCa } = env;
      const untrusted = await kdr(['status', workflowId], { ...withoutCa, TEMPORAL_TLS: 'true' });
      assert.equal(
        untrusted.code,
        4,
        `an untrusted server is unreachable for kdr (exit 4): ${untrusted.stdout}${untrusted.stderr}`,
      );
    } finally {
      await connection.close();
      await native.close();
    }
  });
});
