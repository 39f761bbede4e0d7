// Fault injection makes transient failures the retry policy is meant to absorb.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { CloudApiError, toActivityFailure } from '../../src/cloud';
import { PRIMARY_REGION, rejection, startTestEmulator, type TestEmulator } from '../helpers/emulator';

async function withRetries<T>(fn: () => Promise<T>, attempts: number): Promise<{ value: T; failures: CloudApiError[] }> {
  const failures: CloudApiError[] = [];
  for (let i = 0; ; i++) {
    try {
      return { value: await fn(), failures };
    } catch (err) {
      if (!(err instanceof CloudApiError) || !err.transient || i + 1 >= attempts) throw err;
      failures.push(err);
    }
  }
}

describe('fault injection', () => {
  let emu: TestEmulator;
  before(async () => { emu = await startTestEmulator({ dnsPort: undefined }); });
  afterEach(() => emu.clearFaults());
  after(() => emu.close());

  test('failNext with chosen codes: transient errors, then a retry succeeds', async () => {
    await emu.setFaults({ action: 'GetInstanceList', failNext: 2, codes: ['Throttling.User', 'ServiceUnavailable'] });
    const { value, failures } = await withRetries(() => emu.clients.alikafka(PRIMARY_REGION).getInstanceList(), 3);
    assert.equal(value.length, 1);
    assert.deepEqual(failures.map((f) => [f.code, f.httpStatus]), [['Throttling.User', 400], ['ServiceUnavailable', 503]]);
    for (const f of failures) assert.equal(toActivityFailure(f).nonRetryable, false);
  });

  test('InternalError on alidns only; other products unaffected', async () => {
    await emu.setFaults({ action: '*', product: 'alidns', failNext: 1, codes: ['InternalError'] });
    assert.equal((await emu.clients.alikafka(PRIMARY_REGION).getInstanceList()).length, 1);
    const err = await rejection(emu.clients.alidns().describeSubDomainRecords({ subDomain: 'x.kdr.test' }));
    assert.equal(err.code, 'InternalError');
    assert.equal(err.httpStatus, 500);
    assert.equal(err.transient, true);
    await emu.clients.alidns().describeSubDomainRecords({ subDomain: 'x.kdr.test' });
  });

  test('a hang becomes a transient RequestTimeout with the configured timeout', async () => {
    await emu.setFaults({ action: 'GetInstanceList', hangNext: 1 });
    const short = emu.clientsWith({ KDR_CLOUD_TIMEOUT_MS: '300' }).alikafka(PRIMARY_REGION);
    const err = await rejection(short.getInstanceList());
    assert.ok(err instanceof CloudApiError);
    assert.equal(err.code, 'RequestTimeout');
    assert.equal(err.transient, true);
    assert.equal((await short.getInstanceList()).length, 1);
  });

  test('errorRate 1 fails every call until cleared; the admin endpoint validates rules', async () => {
    await emu.setFaults({ action: 'GetInstanceList', errorRate: 1, codes: ['ServiceUnavailable'] });
    for (let i = 0; i < 3; i++) assert.equal((await rejection(emu.clients.alikafka(PRIMARY_REGION).getInstanceList())).code, 'ServiceUnavailable');
    await emu.clearFaults();
    assert.equal((await emu.clients.alikafka(PRIMARY_REGION).getInstanceList()).length, 1);
    const res = await fetch(`${emu.emulator.url}/__admin/faults`, { method: 'POST', headers: { 'x-kdr-admin-token': emu.adminToken }, body: JSON.stringify({ action: 'X', codes: ['Nope'] }) });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /codes/);
  });

  test('fault injection is test-only: a wrong or missing token is refused (403); an emulator started without one has it off (404)', async () => {
    const rule = JSON.stringify({ action: '*', errorRate: 1 });
    for (const headers of [{}, { 'x-kdr-admin-token': 'not-the-token' }] as Record<string, string>[]) {
      const res = await fetch(`${emu.emulator.url}/__admin/faults`, { method: 'POST', headers, body: rule });
      assert.equal(res.status, 403);
    }
    assert.equal((await emu.clients.alikafka(PRIMARY_REGION).getInstanceList()).length, 1, 'no fault was set');
    const off = await startTestEmulator({ dnsPort: undefined, adminToken: undefined });
    try {
      const res = await fetch(`${off.emulator.url}/__admin/faults`, { method: 'POST', body: rule });
      assert.equal(res.status, 404);
    } finally {
      await off.close();
    }
  });
});
