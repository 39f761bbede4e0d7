// Bootstrapping through a custom domain resolved by a given DNS server (CNAME -> A), the way consumers
// follow a failover CNAME switch. Uses the brokers' DR listeners (127.0.0.2 / 127.0.0.3 :39092).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as dns from 'node:dns';
import { ensureStack } from '../../../stack/harness/stack';
import { startDnsServer, type DnsServer } from '../../../stack/dns/server';
import { RCode, RRType, CLASS_IN, type DnsResourceRecord } from '../../../stack/dns/codec';
import { createKafka, resolveHost } from '../../../src/kafka/clients';
import { describeCluster } from '../../../src/kafka/admin';

let server: DnsServer;
let target = 'primary.brokers.kdr.test';
const zone: Record<string, string> = {
  'primary.brokers.kdr.test': '127.0.0.2',
  'secondary.brokers.kdr.test': '127.0.0.3',
};

before(async () => {
  await ensureStack();
  server = await startDnsServer({
    host: '127.0.0.1',
    port: 0,
    answer: (q) => {
      const name = q.name.toLowerCase().replace(/\.$/, '');
      if (name === 'kafka.app.kdr.test') {
        const answers: DnsResourceRecord[] = [
          { name: q.name, type: RRType.CNAME, class: CLASS_IN, ttl: 1, data: target },
        ];
        if (q.type === RRType.A)
          answers.push({ name: target, type: RRType.A, class: CLASS_IN, ttl: 1, data: zone[target] });
        return { rcode: RCode.NOERROR, answers };
      }
      if (zone[name] && q.type === RRType.A)
        return {
          rcode: RCode.NOERROR,
          answers: [{ name: q.name, type: RRType.A, class: CLASS_IN, ttl: 1, data: zone[name] }],
        };
      return { rcode: zone[name] ? RCode.NOERROR : RCode.NXDOMAIN, answers: [] };
    },
  });
});

after(async () => {
  await server?.close();
});

test('resolveHost follows the CNAME through the given server', async () => {
  const r = new dns.promises.Resolver();
  r.setServers([`127.0.0.1:${server.port}`]);
  assert.equal(await resolveHost(r, 'kafka.app.kdr.test'), '127.0.0.2');
  assert.equal(await resolveHost(r, '10.1.2.3'), '10.1.2.3');
  await assert.rejects(resolveHost(r, 'nope.kdr.test'), /no A record|ENOTFOUND/);
});

test('a client bootstrapping from the custom domain reaches the cluster the CNAME points at, and follows a switch', async () => {
  const bootstrap = { bootstrapServers: ['kafka.app.kdr.test:39092'] };
  const before = await describeCluster(createKafka(bootstrap, { dnsServer: `127.0.0.1:${server.port}` }));
  assert.equal(before.reachable, true, before.error);
  assert.equal(before.brokers?.[0].host, '127.0.0.2');
  target = 'secondary.brokers.kdr.test';
  const afterSwitch = await describeCluster(createKafka(bootstrap, { dnsServer: `127.0.0.1:${server.port}` }));
  assert.equal(afterSwitch.reachable, true, afterSwitch.error);
  assert.equal(afterSwitch.brokers?.[0].host, '127.0.0.3');
  assert.notEqual(afterSwitch.clusterId, before.clusterId);
});
