// Fault injection makes transient failures the retry policy is meant to absorb.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { CloudApiError } from '../../../src/cloud';
import { PRIMARY_REGION, rejection, startTestEmulator, type TestEmulator } from '../../../stack/harness/emulator';
import { asActivityFailure } from '../../../activities/failures';

async function withRetries<T>(
  fn: () => Promise<T>,
  attempts: number,
): Promise<{ value: T; failures: CloudApiError[] }> {
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
  before(async () => {
    emu = await startTestEmulator({ dnsPort: undefined });
  });
  afterEach(() => emu.clearFaults());
  after(() => emu.close());

  test('a read that fails transiently is asked again within the call (3 times); a 4th failure in a row surfaces as transient', async () => {
    await emu.setFaults({ action: 'GetInstanceList', failNext: 3, codes: ['Throttling.User', 'ServiceUnavailable'] });
    assert.equal(
      (await emu.clients.alikafka(PRIMARY_REGION).getInstanceList()).length,
      1,
      'three failures absorbed by the call',
    );
    await emu.setFaults({ action: 'GetInstanceList', failNext: 4, codes: ['ServiceUnavailable'] });
    const err = await rejection(emu.clients.alikafka(PRIMARY_REGION).getInstanceList());
    assert.ok(err instanceof CloudApiError);
    assert.deepEqual([err.code, err.httpStatus, err.transient], ['ServiceUnavailable', 503, true]);
    assert.equal(asActivityFailure(err).nonRetryable, false, 'the activity retry takes over');
    const { value, failures } = await withRetries(() => emu.clients.alikafka(PRIMARY_REGION).getInstanceList(), 2);
    assert.deepEqual([value.length, failures.length], [1, 0]);
  });

  test('a write is not repeated within the call (the activity retry, idempotent, handles it); faults on one product only', async () => {
    await emu.setFaults({ action: '*', product: 'alidns', failNext: 1, codes: ['InternalError'] });
    assert.equal((await emu.clients.alikafka(PRIMARY_REGION).getInstanceList()).length, 1);
    const err = await rejection(
      emu.clients
        .alidns()
        .addDomainRecord('kdr.test', { rr: 'faults-write', type: 'CNAME', value: 'x.kdr.test', ttl: 600 }),
    );
    assert.deepEqual([err.code, err.httpStatus, err.transient], ['InternalError', 500, true]);
    // The failed write left nothing behind and the rule is spent: the same write now succeeds once.
    assert.deepEqual(await emu.clients.alidns().listSubDomainRecords({ subDomain: 'faults-write.kdr.test' }), []);
    const id = await emu.clients
      .alidns()
      .addDomainRecord('kdr.test', { rr: 'faults-write', type: 'CNAME', value: 'x.kdr.test', ttl: 600 });
    // The same for a delete (the cleanup path): a failed DeleteDomainRecord leaves the record; asked again, it is gone.
    await emu.setFaults({ action: 'DeleteDomainRecord', failNext: 1, codes: ['ServiceUnavailable'] });
    assert.equal((await rejection(emu.clients.alidns().deleteDomainRecord(id))).code, 'ServiceUnavailable');
    assert.equal((await emu.clients.alidns().listSubDomainRecords({ subDomain: 'faults-write.kdr.test' })).length, 1);
    assert.equal(await emu.clients.alidns().deleteDomainRecord(id), id);
    assert.deepEqual(await emu.clients.alidns().listSubDomainRecords({ subDomain: 'faults-write.kdr.test' }), []);
  });

  test("a hang becomes a transient RequestTimeout with the configured timeout (after the read's own retries)", async () => {
    await emu.setFaults({ action: 'GetInstanceList', hangNext: 4 });
    const short = emu.clientsWith({ KDR_CLOUD_TIMEOUT_MS: '300' }).alikafka(PRIMARY_REGION);
    const err = await rejection(short.getInstanceList());
    assert.ok(err instanceof CloudApiError);
    assert.equal(err.code, 'RequestTimeout');
    assert.equal(err.transient, true);
    assert.equal((await short.getInstanceList()).length, 1);
  });

  test('errorRate 1 fails every call until cleared; the admin endpoint validates rules', async () => {
    await emu.setFaults({ action: 'GetInstanceList', errorRate: 1, codes: ['ServiceUnavailable'] });
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await rejection(emu.clients.alikafka(PRIMARY_REGION).getInstanceList())).code,
        'ServiceUnavailable',
      );
    await emu.clearFaults();
    assert.equal((await emu.clients.alikafka(PRIMARY_REGION).getInstanceList()).length, 1);
    const res = await fetch(`${emu.emulator.url}/__admin/faults`, {
      method: 'POST',
      headers: { 'x-kdr-admin-token': emu.adminToken },
      body: JSON.stringify({ action: 'X', codes: ['Nope'] }),
    });
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
