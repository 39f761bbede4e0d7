// RAM enforcement end to end through the real cloud layer (pop-core) and an emulator of its own: a worker key
// whose policy lacks one action is refused that call with the gateway's Forbidden.RAM, asked once (permanent), and
// the error names the line to add; the rest of the policy still works, and an explicit Deny wins.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { createCloudClients } from '../../../src/cloud';
import { CloudApiError } from '../../../src/cloud/errors';
import { WORKER_POLICY_FILE } from '../../../src/cloud/ram';
import { parsePolicy, type RamPolicy } from '../../../stack/emulator/ram';
import { ACCOUNT_ID } from '../../../stack/emulator/eventbridge';
import {
  PRIMARY_ID,
  PRIMARY_REGION,
  rejection,
  SECONDARY_ID,
  SECONDARY_REGION,
  stackAdminEnv,
  startTestEmulator,
  type TestEmulator,
} from '../../../stack/harness/emulator';
import { uniqueName } from '../../../stack/harness/kdr';

const worker = (): RamPolicy =>
  parsePolicy(JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', WORKER_POLICY_FILE), 'utf8')));
/** The worker policy without `action`. */
function without(action: string): RamPolicy {
  const p = worker();
  return { ...p, Statement: p.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => a !== action) })) };
}

const emulators: TestEmulator[] = [];
async function emulatorWith(
  ramPolicy: RamPolicy,
): Promise<{ emu: TestEmulator; requests: (action: string) => number }> {
  const lines: string[] = [];
  const emu = await startTestEmulator({ dnsPort: undefined, ramPolicy, log: (l) => lines.push(l) });
  emulators.push(emu);
  return { emu, requests: (action) => lines.filter((l) => l.includes(` ${action} -> `)).length };
}

describe('RAM policy on the emulator', () => {
  after(async () => {
    for (const e of emulators) await e.close();
  });

  test('a policy without alikafka:CreateGroup: CreateConsumerGroup is refused once with Forbidden.RAM (403) naming the line to add; reads still work', async () => {
    const { emu, requests } = await emulatorWith(without('alikafka:CreateGroup'));
    const kafka = emu.clients.alikafka(SECONDARY_REGION);
    assert.ok(
      Array.isArray(await kafka.listConsumerGroups({ instanceId: SECONDARY_ID })),
      'alikafka:ListGroup is still granted',
    );
    const group = uniqueName('ram-g');
    const err = await rejection(
      kafka.createConsumerGroup({ instanceId: SECONDARY_ID, consumerId: group, remark: 'test' }),
    );
    assert.ok(err instanceof CloudApiError, String(err));
    assert.equal(err.code, 'Forbidden.RAM');
    assert.equal(err.httpStatus, 403);
    assert.equal(err.retryable, false);
    assert.match(err.message, /User not authorized to operate on the specified resource/);
    assert.ok(
      err.message.includes(`Fix: add "alikafka:CreateGroup" to the worker's RAM policy (${WORKER_POLICY_FILE}`),
      err.message,
    );
    assert.equal(requests('CreateConsumerGroup'), 1, 'a denial is not asked again');
    const declared = await createCloudClients(stackAdminEnv(emu.env))
      .alikafka(SECONDARY_REGION)
      .listConsumerGroups({ instanceId: SECONDARY_ID, consumerId: group });
    assert.deepEqual(
      declared.map((g) => g.ConsumerId).filter((g) => g === group),
      [],
      'nothing was created',
    );
  });

  test('a read the policy lacks is refused once too (reads are retried only when transient)', async () => {
    const { emu, requests } = await emulatorWith(without('alikafka:ListGroup'));
    const err = await rejection(emu.clients.alikafka(PRIMARY_REGION).listConsumerGroups({ instanceId: PRIMARY_ID }));
    assert.equal((err as unknown as CloudApiError).code, 'Forbidden.RAM');
    assert.ok(err.message.includes('add "alikafka:ListGroup"'), err.message);
    assert.equal(requests('GetConsumerList'), 1);
  });

  test('alidns without UpdateDomainRecord: refused with HTTP 400 as alidns answers; the admin key (no policy) may do it', async () => {
    const { emu } = await emulatorWith(without('alidns:UpdateDomainRecord'));
    const rr = uniqueName('ram-dns');
    const recordId = await emu.clients
      .alidns()
      .addDomainRecord('kdr.test', { rr, type: 'CNAME', value: 'primary.kdr.test', ttl: 60 });
    const change = { rr, type: 'CNAME' as const, value: 'secondary.kdr.test', ttl: 60 };
    const err = await rejection(emu.clients.alidns().updateDomainRecord(recordId, change));
    assert.equal((err as unknown as CloudApiError).code, 'Forbidden.RAM');
    assert.equal((err as unknown as CloudApiError).httpStatus, 400);
    assert.ok(err.message.includes('add "alidns:UpdateDomainRecord"'), err.message);
    const admin = createCloudClients(stackAdminEnv(emu.env)).alidns();
    await admin.updateDomainRecord(recordId, change);
    await admin.deleteDomainRecord(recordId);
  });

  test("an explicit Deny on the secondary instance wins over the policy's Allow; the same action elsewhere is allowed", async () => {
    const p = worker();
    const deny = {
      Effect: 'Deny' as const,
      Action: ['alikafka:Create*'],
      Resource: [`acs:alikafka:${SECONDARY_REGION}:${ACCOUNT_ID}:${SECONDARY_ID}`],
    };
    const { emu } = await emulatorWith({ ...p, Statement: [...p.Statement, deny] });
    const group = uniqueName('ram-deny');
    const err = await rejection(
      emu.clients.alikafka(SECONDARY_REGION).createConsumerGroup({ instanceId: SECONDARY_ID, consumerId: group }),
    );
    assert.equal((err as unknown as CloudApiError).code, 'Forbidden.RAM');
    await emu.clients.alikafka(PRIMARY_REGION).createConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group });
    await createCloudClients(stackAdminEnv(emu.env))
      .alikafka(PRIMARY_REGION)
      .deleteConsumerGroup({ instanceId: PRIMARY_ID, consumerId: group });
  });
});
