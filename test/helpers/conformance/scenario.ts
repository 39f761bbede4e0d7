// One pass over every method of kafka-dr's cloud clients, in an order the real API (and the emulator) accepts:
// create, read, change, delete. The static test runs it over the recorder to see every parameter kafka-dr sends;
// the live test replays the recorded calls through the official SDK clients against the emulator.
import { kafkaTopicArn } from '../../../src/cloud';
import { HEADERS_MAPPING } from '../../../src/connectors/eventbridge';
import type { Recorder } from './record';

export const PRIMARY = { id: 'alikafka_pre-cn-kdrprimary01', region: 'cn-hangzhou' };
export const SECONDARY = { id: 'alikafka_pre-cn-kdrsecond001', region: 'cn-shanghai' };
export const ZONE = 'kdr.test';

export interface ScenarioNames {
  topic: string;
  group: string;
  stream: string;
  rr: string;
}

/** A parameter value the live run fills in from an earlier answer: `{{<call index>.<field>}}`. */
export const fromAnswer = (callIndex: number, field: string): string => `{{${callIndex}.${field}}}`;

/** Runs the scenario; returns, per client class, the methods it invoked (directly or through another method). */
export async function runScenario(rec: Recorder, n: ScenarioNames): Promise<Record<string, Set<string>>> {
  const used: Record<string, Set<string>> = {};
  const track = <T extends object>(name: string, client: T): T =>
    new Proxy(client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v === 'function' && typeof prop === 'string') (used[name] ??= new Set()).add(prop);
        return v;
      },
    });
  const kp = track('AlikafkaClient', rec.alikafka(PRIMARY.region));
  const ks = track('AlikafkaClient', rec.alikafka(SECONDARY.region));
  const dns = track('AlidnsClient', rec.alidns());
  const eb = track('EventBridgeClient', rec.eventbridge(SECONDARY.region));
  const lastCall = () => rec.calls.length - 1;

  await kp.getInstance(PRIMARY.id);
  await kp.createTopic({
    instanceId: PRIMARY.id,
    topic: n.topic,
    remark: 'kafka-dr_conformance',
    partitionNum: 2,
    localTopic: true,
    compactTopic: false,
    replicationFactor: 3,
    minInsyncReplicas: 2,
    config: { 'retention.ms': '3600000' },
  });
  await ks.createTopic({
    instanceId: SECONDARY.id,
    topic: n.topic,
    remark: 'kafka-dr_conformance_sink',
    partitionNum: 2,
  });
  await kp.listTopics({ instanceId: PRIMARY.id, topic: n.topic });
  await kp.createConsumerGroup({ instanceId: PRIMARY.id, consumerId: n.group, remark: 'kafka-dr_conformance' });
  await kp.listConsumerGroups({ instanceId: PRIMARY.id, consumerId: n.group });
  await kp.updateConsumerOffset({
    instanceId: PRIMARY.id,
    consumerId: n.group,
    topic: n.topic,
    resetType: 'timestamp',
    time: -2,
  });
  await kp.updateConsumerOffset({
    instanceId: PRIMARY.id,
    consumerId: n.group,
    topic: n.topic,
    resetType: 'offset',
    offsets: [
      { partition: 0, offset: 0 },
      { partition: 1, offset: '0' },
    ],
  });
  await kp.getConsumerProgress({ instanceId: PRIMARY.id, consumerId: n.group, hideLastTimestamp: true });

  // Parity (src/parity/alikafka.ts): a SASL user and its ACLs, read back, a topic config aligned; then removed.
  const user = `${n.group}-user`.slice(0, 64);
  await kp.createSaslUser({
    instanceId: PRIMARY.id,
    username: user,
    password: `conformance-${n.group}`,
    type: 'scram',
    mechanism: 'SCRAM-SHA-512',
  });
  await kp.describeSaslUsers({ instanceId: PRIMARY.id });
  const acl = {
    instanceId: PRIMARY.id,
    username: user,
    resourceType: 'Topic',
    resourceName: n.topic,
    patternType: 'LITERAL' as const,
  };
  await kp.createAcl({ ...acl, operation: 'Write', operations: 'Write,Read', permission: 'ALLOW', host: '*' });
  await kp.describeAcls({ ...acl, operation: 'Write', permission: 'ALLOW', host: '*' });
  await kp.describeAcls({ instanceId: PRIMARY.id, username: user, resourceType: 'Topic', resourceName: '*' });
  await kp.updateTopicConfig({ instanceId: PRIMARY.id, topic: n.topic, config: 'retention.ms', value: '7200000' });
  await kp.deleteAcl({ ...acl, operation: 'Write', operations: 'Write,Read', permission: 'ALLOW', host: '*' });
  await kp.deleteSaslUser({ instanceId: PRIMARY.id, username: user, type: 'scram', mechanism: 'SCRAM-SHA-512' });

  await eb.createKafkaToKafka({
    name: n.stream,
    description: 'kafka-dr conformance',
    filterPattern: '{}',
    source: {
      regionId: PRIMARY.region,
      instanceId: PRIMARY.id,
      topic: n.topic,
      consumerGroup: n.group,
      offsetReset: 'earliest',
      network: 'Default',
      valueDataType: 'Binary',
    },
    sink: {
      instanceId: SECONDARY.id,
      topic: n.topic,
      acks: 'all',
      key: { Form: 'JSONPATH', Value: '$.data.key' },
      value: { Form: 'JSONPATH', Value: '$.data.value' },
      headers: { ...HEADERS_MAPPING },
    },
    // As src/connectors/eventbridge.ts streamFor: refused records go to a dead-letter topic on the secondary.
    runOptions: {
      maximumTasks: 1,
      errorsTolerance: 'ALL',
      retryStrategy: { PushRetryStrategy: 'BACKOFF_RETRY', MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      deadLetterQueue: { Arn: kafkaTopicArn(SECONDARY.region, '*', SECONDARY.id, n.topic) },
    },
  });
  await eb.getEventStreaming(n.stream);
  await eb.listEventStreamings({ namePrefix: n.stream });
  await eb.listEventStreamingsPage({ namePrefix: n.stream, limit: 10, nextToken: '' });
  await eb.startEventStreaming(n.stream);
  await eb.pauseEventStreaming(n.stream);
  await eb.deleteEventStreaming(n.stream);
  await kp.deleteConsumerGroup({ instanceId: PRIMARY.id, consumerId: n.group });
  await kp.deleteTopic({ instanceId: PRIMARY.id, topic: n.topic });
  await ks.deleteTopic({ instanceId: SECONDARY.id, topic: n.topic });

  const subDomain = `${n.rr}.${ZONE}`;
  await dns.listSubDomainRecords({ subDomain, domainName: ZONE, type: 'CNAME' });
  await dns.describeSubDomainRecords({
    subDomain,
    domainName: ZONE,
    type: 'CNAME',
    line: 'default',
    pageNumber: 1,
    pageSize: 20,
  });
  await dns.addDomainRecord(ZONE, {
    rr: n.rr,
    type: 'CNAME',
    value: 'alikafka-pre-cn-kdrprimary01-1-vpc.alikafka.aliyuncs.com',
    ttl: 60,
    line: 'default',
  });
  const cname = fromAnswer(lastCall(), 'RecordId');
  await dns.describeDomainRecordInfo(cname);
  await dns.updateDomainRecord(cname, {
    rr: n.rr,
    type: 'CNAME',
    value: 'alikafka-pre-cn-kdrsecond001-1-vpc.alikafka.aliyuncs.com',
    ttl: 30,
    line: 'default',
  });
  await dns.deleteDomainRecord(cname);
  // Priority exists for MX records only.
  await dns.addDomainRecord(ZONE, { rr: `${n.rr}-mx`, type: 'MX', value: 'mail.kdr.test', ttl: 600, priority: 10 });
  const mx = fromAnswer(lastCall(), 'RecordId');
  await dns.updateDomainRecord(mx, { rr: `${n.rr}-mx`, type: 'MX', value: 'mail.kdr.test', ttl: 600, priority: 20 });
  await dns.deleteDomainRecord(mx);
  return used;
}
