// What the probes read from a pair and from the cloud API, without a cluster: where the remote vantage point reaches
// the primary (probes.remote.bootstrapServers and security, refusals by field), and when GetInstanceList's answer
// means "in service".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { remoteTarget } from '../../../activities/auto-probes';
import { instanceService } from '../../../src/cloud/instance-status';
import { PairConfigSchema, describeAutoFailover, validate, type PairConfigInput } from '../../../src/config';

const SASL_SSL = {
  protocol: 'SASL_SSL',
  mechanism: 'SCRAM-SHA-512',
  usernameEnv: 'KDR_SECRET_PROBE_USER',
  passwordEnv: 'KDR_SECRET_PROBE_PASS',
};

function pair(remote: unknown, primarySecurity?: unknown): PairConfigInput {
  return {
    name: 'orders-dr',
    primary: {
      provider: 'kafka',
      bootstrapServers: ['10.0.0.1:9092'],
      endpointHost: 'primary.example.com',
      ...(primarySecurity ? { security: primarySecurity } : {}),
    },
    secondary: { provider: 'kafka', bootstrapServers: ['10.1.0.1:9092'], endpointHost: 'secondary.example.com' },
    replication: {
      provider: 'kafka-connect',
      topics: ['orders'],
      canaryTopic: 'kdr-canary',
      connectUrl: 'http://c:8083',
    },
    dns: { provider: 'alidns', domain: 'example.com', rr: 'kafka', ttl: 60, resolvers: ['223.5.5.5'] },
    autoFailover: { probes: { remote } },
  } as PairConfigInput;
}

describe('the remote probe reaches the primary by its own endpoint', () => {
  test("given, probes.remote's servers and security; without security, the primary's; without servers, the primary", () => {
    const internet = PairConfigSchema.parse(
      pair({ taskQueue: 'kdr-probe-b', bootstrapServers: ['alikafka-pub.example.com:9093'], security: SASL_SSL }),
    );
    assert.deepEqual(remoteTarget(internet), {
      bootstrapServers: ['alikafka-pub.example.com:9093'],
      security: SASL_SSL,
    });
    const sameSecurity = PairConfigSchema.parse(
      pair({ taskQueue: 'kdr-probe-b', bootstrapServers: ['10.9.0.1:9092'] }, SASL_SSL),
    );
    assert.deepEqual(remoteTarget(sameSecurity), { bootstrapServers: ['10.9.0.1:9092'], security: SASL_SSL });
    // `kdr pairs` says where the remote probe reaches the primary when it is not the primary's own servers.
    const enabled = PairConfigSchema.parse({
      ...pair({ taskQueue: 'kdr-probe-b', bootstrapServers: ['alikafka-pub.example.com:9093'], security: SASL_SSL }),
      watch: { interval: '5s' },
    });
    const policy = { ...enabled.autoFailover, enabled: true, maxAtRisk: { seconds: 30 } };
    assert.match(describeAutoFailover(policy), /remote \(kdr-probe-b via alikafka-pub\.example\.com:9093\)/);
    const plain = PairConfigSchema.parse(pair({ taskQueue: 'kdr-probe-b' }));
    assert.deepEqual(remoteTarget(plain).bootstrapServers, ['10.0.0.1:9092']);
  });

  test('a server that is not host:port, or SASL without its variables, is refused by field', () => {
    const r = validate(
      PairConfigSchema,
      pair({ taskQueue: 'kdr-probe-b', bootstrapServers: ['no-port'], security: { protocol: 'SASL_SSL' } }),
    );
    assert.equal(r.ok, false);
    const text = r.ok ? '' : r.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    assert.match(text, /autoFailover\.probes\.remote\.bootstrapServers\[0\]: expected host:port/);
    assert.match(text, /autoFailover\.probes\.remote\.security\.mechanism: required with protocol SASL_SSL/);
    assert.match(text, /autoFailover\.probes\.remote\.security\.passwordEnv: required/);
  });
});

describe('GetInstanceList: in service or not', () => {
  test('ServiceStatus 5 and ViewInstanceStatusCode 2 are in service; any other value of either is not', () => {
    assert.equal(instanceService({ ServiceStatus: 5, ViewInstanceStatusCode: 2 }).serving, true);
    assert.equal(instanceService({ ServiceStatus: 5 }).serving, true);
    assert.equal(instanceService({ ViewInstanceStatusCode: 2 }).serving, true);
    const expired = instanceService({ ServiceStatus: 15 });
    assert.deepEqual(expired, { serving: false, status: 'ServiceStatus 15' });
    assert.equal(instanceService({ ServiceStatus: 5, ViewInstanceStatusCode: 1 }).serving, false);
    assert.equal(instanceService({ ServiceStatus: 1, ViewInstanceStatusCode: 1 }).serving, false);
    assert.equal(instanceService({}).serving, false, 'an answer with no status is not a sign of service');
  });
});
