// The signature algorithm the emulator verifies with must be the one pop-core signs with: capture what pop-core
// really sends (to a bare loopback HTTP listener) and recompute it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import RPCClient = require('@alicloud/pop-core');
import { canonicalizedQuery, popEncode, signRpc, stringToSign } from '../../../src/cloud/signature';

describe('POP signature v1', () => {
  let server: http.Server;
  let url = '';
  const captured: { method: string; params: Record<string, string> }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const params: Record<string, string> = {};
        for (const [k, v] of u.searchParams) params[k] = v;
        for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString())) params[k] = v;
        captured.push({ method: req.method ?? '', params });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ RequestId: 'r' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/alidns`;
  });
  after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  const params = {
    SubDomain: 'kafka.kdr.test',
    Remark: "a b!'()*~ é/+=&",
    InstanceId: ['i-1', 'i-2'],
    Tag: [{ Key: 'k', Value: 'v' }],
  };

  for (const method of ['POST', 'GET'] as const) {
    test(`recomputes what pop-core signs (${method}, odd characters, flattened lists)`, async () => {
      const client = new RPCClient({
        endpoint: url,
        apiVersion: '2015-01-09',
        accessKeyId: 'AKID',
        accessKeySecret: 'sec/ret+=',
      });
      await client.request('DescribeSubDomainRecords', params, { method });
      const got = captured.at(-1)!;
      assert.equal(got.method, method);
      assert.equal(got.params['InstanceId.2'], 'i-2');
      assert.equal(got.params['Tag.1.Key'], 'k');
      assert.equal(got.params.Remark, params.Remark);
      assert.equal(signRpc(method, got.params, 'sec/ret+='), got.params.Signature);
      assert.notEqual(signRpc(method, got.params, 'other'), got.params.Signature);
      assert.notEqual(signRpc(method === 'GET' ? 'POST' : 'GET', got.params, 'sec/ret+='), got.params.Signature);
    });
  }

  test('canonical form: sorted raw keys, RFC 3986 encoding, Signature excluded', () => {
    assert.equal(popEncode("!'()* ~-_."), '%21%27%28%29%2A%20~-_.');
    assert.equal(canonicalizedQuery({ b: '2', a: 'x y', Signature: 'zzz', 'A.1': '/' }), 'A.1=%2F&a=x%20y&b=2');
    assert.equal(stringToSign('post', { Action: 'X' }), 'POST&%2F&Action%3DX');
  });
});
