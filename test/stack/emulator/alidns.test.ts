// alidns through the cloud layer, and the loopback DNS server answering from the same records.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { uniqueName } from '../../../stack/harness/stack';
import { rejection, startTestEmulator, type TestEmulator } from '../../../stack/harness/emulator';

const PRIMARY_HOST = 'alikafka-pre-cn-kdrprimary01-1-vpc.alikafka.aliyuncs.com';
const SECONDARY_HOST = 'alikafka-pre-cn-kdrsecond001-1-vpc.alikafka.aliyuncs.com';

describe('alidns emulator', () => {
  let emu: TestEmulator;
  let resolver: Resolver;
  before(async () => {
    emu = await startTestEmulator();
    resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${emu.emulator.dnsPort}`]);
  });
  after(() => emu.close());

  test('AddDomainRecord, DescribeDomainRecordInfo, DescribeSubDomainRecords with pagination', async () => {
    const dns = emu.clients.alidns();
    const rr = uniqueName('multi');
    const ids = [];
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      ids.push(await dns.addDomainRecord('kdr.test', { rr, type: 'A', value: ip, ttl: 30 }));
    assert.equal(typeof ids[0], 'string');
    assert.equal(new Set(ids).size, 3);
    const info = await dns.describeDomainRecordInfo(ids[1]);
    assert.equal(info.Value, '10.0.0.2');
    assert.equal(info.TTL, 30);
    assert.equal(info.RR, rr);
    const p1 = await dns.describeSubDomainRecords({ subDomain: `${rr}.kdr.test`, pageSize: 2, pageNumber: 1 });
    const p2 = await dns.describeSubDomainRecords({ subDomain: `${rr}.kdr.test`, pageSize: 2, pageNumber: 2 });
    assert.equal(p1.total, 3);
    assert.equal(p1.items.length, 2);
    assert.equal(p2.items.length, 1);
    const all = await dns.listSubDomainRecords({ subDomain: `${rr}.kdr.test` });
    assert.deepEqual(all.map((r) => r.Value).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual((await resolver.resolve4(`${rr}.kdr.test`)).sort(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  test('the documented errors', async () => {
    const dns = emu.clients.alidns();
    const rr = uniqueName('err');
    const id = await dns.addDomainRecord('kdr.test', { rr, type: 'CNAME', value: PRIMARY_HOST, ttl: 5 });
    let err = await rejection(dns.addDomainRecord('kdr.test', { rr, type: 'A', value: '10.1.1.1', ttl: 5 }));
    assert.equal(err.code, 'DomainRecordConflict');
    err = await rejection(dns.addDomainRecord('kdr.test', { rr, type: 'CNAME', value: PRIMARY_HOST, ttl: 5 }));
    assert.equal(err.code, 'DomainRecordDuplicate');
    err = await rejection(dns.updateDomainRecord(id, { rr, type: 'CNAME', value: PRIMARY_HOST, ttl: 5 }));
    assert.equal(err.code, 'DomainRecordDuplicate');
    assert.equal(err.transient, false);
    err = await rejection(dns.addDomainRecord('kdr-free.test', { rr, type: 'CNAME', value: PRIMARY_HOST, ttl: 60 }));
    assert.equal(err.code, 'QuotaExceeded.TTL');
    assert.match(err.message, /600/);
    assert.ok(await dns.addDomainRecord('kdr-free.test', { rr, type: 'CNAME', value: PRIMARY_HOST, ttl: 600 }));
    err = await rejection(dns.addDomainRecord('not-mine.example', { rr, type: 'A', value: '10.1.1.1' }));
    assert.equal(err.code, 'InvalidDomainName.NoExist');
    err = await rejection(dns.describeDomainRecordInfo('1234'));
    assert.equal(err.code, 'DomainRecordNotBelongToUser');
    err = await rejection(dns.addDomainRecord('kdr.test', { rr, type: 'A', value: 'not-an-ip' }));
    assert.equal(err.code, 'InvalidParameter');
  });

  test('DescribeDomainRecordInfo answered a Weight its official model does not have: now it follows the model (listed records keep theirs)', async () => {
    const dns = emu.clients.alidns();
    const rr = uniqueName('model');
    const id = await dns.addDomainRecord('kdr.test', { rr, type: 'A', value: '10.2.0.1', ttl: 30 });
    const info = await dns.describeDomainRecordInfo(id);
    assert.equal('Weight' in info, false);
    assert.deepEqual(
      [info.DomainId, info.PunyCode, info.RecordId],
      ['00000000-0000-4000-8000-000000000001', 'kdr.test', id],
    );
    const [listed] = (await dns.describeSubDomainRecords({ subDomain: `${rr}.kdr.test` })).items;
    assert.equal(listed.Weight, 1);
    await dns.deleteDomainRecord(id);
  });

  test('DeleteDomainRecord: the record leaves the API and the DNS answers at once; a second delete says it does not belong to the user', async () => {
    const dns = emu.clients.alidns();
    const rr = uniqueName('del');
    const keep = await dns.addDomainRecord('kdr.test', { rr, type: 'A', value: '10.3.0.1', ttl: 30 });
    const gone = await dns.addDomainRecord('kdr.test', { rr, type: 'A', value: '10.3.0.2', ttl: 30 });
    assert.equal(await dns.deleteDomainRecord(gone), gone);
    assert.deepEqual(
      (await dns.listSubDomainRecords({ subDomain: `${rr}.kdr.test` })).map((r) => r.RecordId),
      [keep],
    );
    assert.deepEqual(await resolver.resolve4(`${rr}.kdr.test`), ['10.3.0.1']);
    const again = await rejection(dns.deleteDomainRecord(gone));
    assert.equal(again.code, 'DomainRecordNotBelongToUser');
    await dns.deleteDomainRecord(keep);
    assert.equal((await rejection(resolver.resolve4(`${rr}.kdr.test`))).code, 'ENOTFOUND');
  });

  test('a CNAME change is seen by dns.Resolver at once, with the record TTL; unknown names are NXDOMAIN', async () => {
    const dns = emu.clients.alidns();
    const rr = uniqueName('kafka');
    const name = `${rr}.kdr.test`;
    const id = await dns.addDomainRecord('kdr.test', { rr, type: 'CNAME', value: PRIMARY_HOST, ttl: 5 });
    assert.deepEqual(await resolver.resolveCname(name), [PRIMARY_HOST]);
    assert.deepEqual(await resolver.resolve4(name, { ttl: true }), [{ address: '127.0.0.2', ttl: 5 }]);
    await dns.updateDomainRecord(id, { rr, type: 'CNAME', value: SECONDARY_HOST, ttl: 5 });
    assert.deepEqual(await resolver.resolveCname(name), [SECONDARY_HOST]);
    assert.deepEqual(await resolver.resolve4(name), ['127.0.0.3']);
    const err = await rejection(resolver.resolve4(`${uniqueName('none')}.kdr.test`));
    assert.equal(err.code, 'ENOTFOUND');
  });

  test('TCP answers the same as UDP', async () => {
    const rr = uniqueName('tcp');
    await emu.clients.alidns().addDomainRecord('kdr.test', { rr, type: 'A', value: '10.9.9.9', ttl: 30 });
    const { query } = await import('../../../stack/dns/tcp-client');
    const answers = await query('127.0.0.1', emu.emulator.dnsPort!, `${rr}.kdr.test`);
    assert.deepEqual(
      answers.map((a) => a.data),
      ['10.9.9.9'],
    );
  });

  test('records survive an emulator restart', async () => {
    const dns = emu.clients.alidns();
    const rr = uniqueName('persist');
    const id = await dns.addDomainRecord('kdr.test', { rr, type: 'A', value: '10.2.2.2', ttl: 20 });
    await emu.restart();
    assert.equal((await emu.clients.alidns().describeDomainRecordInfo(id)).Value, '10.2.2.2');
    assert.deepEqual(await resolver.resolve4(`${rr}.kdr.test`), ['10.2.2.2']);
    const next = await emu.clients
      .alidns()
      .addDomainRecord('kdr.test', { rr: uniqueName('after'), type: 'A', value: '10.2.2.3', ttl: 20 });
    assert.ok(BigInt(next) > BigInt(id));
  });
});
