// Emulated alikafka 2019-09-16 (docs/alicloud-emulator.md, Sources §3) over the two real local Kafka clusters.
import { AssignerProtocol, type Admin, type GroupDescription } from 'kafkajs';
import { PopError, boolParam, intParam, need } from './pop';
import { apsaraMqNameProblem } from '../../src/cloud/names';
import type { StateStore } from './state';
import { brokerHost, type EmulatedInstance } from './instances';
import type { KafkaAdmins } from './kafka-admin';
import { AlikafkaSecurity } from './sasl-acl';

const REMARK = /^[A-Za-z0-9_-]+$/;

/** Topic and group names of a reserved instance (src/cloud/names.ts: letters, digits, _ - ., 3-64 characters). */
function checkName(param: 'Topic' | 'ConsumerId', value: string): void {
  const problem = apsaraMqNameProblem(value);
  if (problem)
    throw new PopError('InvalidParameter', `The specified parameter ${param} "${value}" is not valid: ${problem}.`);
}
/** Internal topics a managed instance would not list. */
const hiddenTopic = (t: string) => t.startsWith('__') || /^mm2-offset-syncs\..*\.internal$/.test(t);

function listParam(p: Record<string, string>, name: string): string[] {
  return Object.keys(p)
    .filter((k) => k.startsWith(`${name}.`) && /^\d+$/.test(k.slice(name.length + 1)))
    .sort((a, b) => Number(a.slice(name.length + 1)) - Number(b.slice(name.length + 1)))
    .map((k) => p[k]);
}

const GROUP_STATE: Record<string, string> = {
  Stable: 'STABLE',
  Empty: 'EMPTY',
  Dead: 'DEAD',
  PreparingRebalance: 'PREPARING_REBALANCE',
  CompletingRebalance: 'COMPLETING_REBALANCE',
  AwaitingSync: 'COMPLETING_REBALANCE',
};

/** ServiceStatus 5 / ViewInstanceStatusCode 2: in service (src/cloud/instance-status.ts). */
const RUNNING = { ServiceStatus: 5, ViewInstanceStatusCode: 2 };
/**
 * What the emulator reports for an instance whose cluster does not answer. Alibaba Cloud documents no status for a
 * running instance's brokers being down; the emulator chooses ServiceStatus 1 / ViewInstanceStatusCode 1 (not in
 * service), so a probe reading it treats the instance as not serving.
 */
const NOT_SERVING = { ServiceStatus: 1, ViewInstanceStatusCode: 1 };

export class AlikafkaEmulator {
  private readonly firstSeen = new Map<string, number>();
  private readonly security: AlikafkaSecurity;

  constructor(
    private readonly store: StateStore,
    private readonly instances: EmulatedInstance[],
    private readonly admins: KafkaAdmins,
  ) {
    this.security = new AlikafkaSecurity(store);
  }

  close(): Promise<void> {
    return this.security.close();
  }

  async handle(action: string, p: Record<string, string>): Promise<Record<string, unknown>> {
    switch (action) {
      case 'GetInstanceList':
        return this.getInstanceList(p);
      case 'GetTopicList':
        return this.getTopicList(p);
      case 'CreateTopic':
        return this.createTopic(p);
      case 'GetConsumerList':
        return this.getConsumerList(p);
      case 'CreateConsumerGroup':
        return this.createConsumerGroup(p);
      case 'GetConsumerProgress':
        return this.getConsumerProgress(p);
      case 'UpdateConsumerOffset':
        return this.updateConsumerOffset(p);
      case 'DeleteTopic':
        return this.deleteTopic(p);
      case 'DeleteConsumerGroup':
        return this.deleteConsumerGroup(p);
      case 'DescribeSaslUsers':
      case 'CreateSaslUser':
      case 'DescribeAcls':
      case 'CreateAcl':
      case 'UpdateTopicConfig':
      case 'DeleteAcl':
      case 'DeleteSaslUser':
        return this.security.handle(this.instance(p), action, p);
      default:
        throw new PopError(
          'InvalidAction.NotFound',
          `Specified api "${action}" is not found (the emulator implements GetInstanceList, GetTopicList, CreateTopic, DeleteTopic, GetConsumerList, CreateConsumerGroup, DeleteConsumerGroup, GetConsumerProgress, UpdateConsumerOffset, DescribeSaslUsers, CreateSaslUser, DescribeAcls, CreateAcl, UpdateTopicConfig, DeleteAcl, DeleteSaslUser).`,
          404,
        );
    }
  }

  private instance(p: Record<string, string>): EmulatedInstance {
    const region = need(p, 'RegionId');
    const id = need(p, 'InstanceId');
    const inst = this.instances.find((i) => i.instanceId === id && i.regionId === region);
    if (!inst) {
      throw new PopError(
        'AUTH_RESOURCE_OWNER_ERROR',
        `The instance ${id} does not exist in region ${region} or does not belong to this account.`,
        403,
      );
    }
    return inst;
  }

  private with<T>(inst: EmulatedInstance, fn: (admin: Admin) => Promise<T>): Promise<T> {
    return this.admins.with(inst, fn).catch((err: unknown) => {
      if (err instanceof PopError) throw err;
      throw new PopError(
        'ONS_SYSTEM_ERROR',
        `The instance ${inst.instanceId} cannot be reached right now: ${(err as Error).message}`,
        500,
      );
    });
  }

  private seen(key: string): number {
    let t = this.firstSeen.get(key);
    if (t === undefined) {
      t = Date.now();
      this.firstSeen.set(key, t);
    }
    return t;
  }

  private async getInstanceList(p: Record<string, string>): Promise<Record<string, unknown>> {
    const region = need(p, 'RegionId');
    const ids = listParam(p, 'InstanceId');
    const chosen = this.instances.filter(
      (i) => i.regionId === region && (ids.length === 0 || ids.includes(i.instanceId)),
    );
    // Pessimistic: an instance whose cluster does not answer is reported out of service (docs/alicloud-emulator.md).
    const serving = new Map(
      await Promise.all(chosen.map(async (i) => [i.instanceId, await this.admins.answers(i)] as const)),
    );
    // ACL is "on" when the backing cluster enforces ACLs (its SASL_SSL listener runs an authorizer). Not asked of a
    // cluster that does not answer: its retries would hold the whole answer for seconds.
    const acl = new Map(
      await Promise.all(
        chosen.map(
          async (i) => [i.instanceId, serving.get(i.instanceId) ? await this.security.aclEnabled(i) : false] as const,
        ),
      ),
    );
    const items = chosen.map((i) => {
      const ep = `${i.drIp}:${i.drPort}`;
      const domain = `${brokerHost(i.instanceId, 1)}:${i.drPort}`;
      return {
        InstanceId: i.instanceId,
        Name: i.name,
        RegionId: i.regionId,
        ZoneId: i.zoneId,
        StandardZoneId: i.standardZoneId,
        VpcId: i.vpcId,
        VSwitchId: i.vSwitchId,
        VSwitchIds: { VSwitchIds: [i.vSwitchId] },
        SecurityGroup: `sg-${i.instanceId.slice(-12)}`,
        ResourceGroupId: 'rg-kdrlocal000000',
        Series: 'v2',
        EndPoint: ep,
        DomainEndpoint: domain,
        SslEndPoint: '',
        SslDomainEndpoint: '',
        SaslEndPoint: '',
        SaslDomainEndpoint: '',
        VpcSaslEndPoint: '',
        VpcSaslDomainEndpoint: '',
        ...(serving.get(i.instanceId) ? RUNNING : NOT_SERVING),
        DeployType: 5,
        SpecType: 'professional',
        PaidType: 1,
        DiskType: 1,
        DiskSize: 500,
        IoMax: 20,
        IoMaxSpec: 'alikafka.hw.2xlarge',
        EipMax: 0,
        MsgRetain: 72,
        TopicNumLimit: 1000,
        DefaultPartitionNum: 12,
        AutoCreateTopicEnable: true,
        AutoCreateGroupEnable: true,
        AllConfig: JSON.stringify({
          'enable.vpc_sasl_ssl': false,
          'kafka.log.retention.hours': 72,
          'enable.acl': acl.get(i.instanceId) ?? false,
          'kafka.message.max.bytes': 1048576,
        }),
        UpgradeServiceDetailInfo: { Current2OpenSourceVersion: '2.2.0' },
        CreateTime: 1735689600000,
        ExpiredTime: 4102444800000,
        Tags: { TagVO: [] },
      };
    });
    return { InstanceList: { InstanceVO: items } };
  }

  private async getTopicList(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const currentPage = intParam(p, 'CurrentPage', 1, 1, 1_000_000);
    const pageSize = intParam(p, 'PageSize', 10, 1, 10_000);
    const filter = p.Topic ?? '';
    const topics = await this.with(inst, async (admin) => {
      const names = (await admin.listTopics()).filter((t) => !hiddenTopic(t) && t.includes(filter)).sort();
      const pageNames = names.slice((currentPage - 1) * pageSize, currentPage * pageSize);
      const meta = pageNames.length > 0 ? await admin.fetchTopicMetadata({ topics: pageNames }) : { topics: [] };
      return {
        total: names.length,
        meta: [...meta.topics].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      };
    });
    const configs = await this.security
      .topicConfigs(
        inst,
        topics.meta.map((t) => t.name),
      )
      .catch(() => new Map<string, Record<string, string>>());
    const TopicVO = topics.meta.map((t) => {
      const saved = this.store.state.kafka.topics.find((x) => x.InstanceId === inst.instanceId && x.Topic === t.name);
      return {
        Topic: t.name,
        InstanceId: inst.instanceId,
        RegionId: inst.regionId,
        PartitionNum: t.partitions.length,
        Remark: saved?.Remark ?? '',
        LocalTopic: saved?.LocalTopic ?? false,
        CompactTopic: saved?.CompactTopic ?? false,
        AutoCreate: !saved,
        CreateTime: saved?.CreateTime ?? this.seen(`${inst.instanceId}/topic/${t.name}`),
        Status: 0,
        StatusName: 'Running',
        TopicConfig: JSON.stringify({
          'replication-factor': t.partitions[0]?.replicas.length ?? 1,
          ...(configs.get(t.name) ?? {}),
        }),
        Tags: { TagVO: [] },
      };
    });
    return { Total: topics.total, CurrentPage: currentPage, PageSize: pageSize, TopicList: { TopicVO } };
  }

  private async createTopic(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const topic = need(p, 'Topic');
    const remark = need(p, 'Remark');
    checkName('Topic', topic);
    if (!REMARK.test(remark) || remark.length < 3 || remark.length > 64) {
      throw new PopError(
        'InvalidParameter',
        `The specified parameter Remark "${remark}" is not valid: 3-64 characters of letters, digits, - and _.`,
      );
    }
    const partitions = intParam(p, 'PartitionNum', 12, 1, 360);
    const localTopic = boolParam(p, 'LocalTopic', false);
    const compactTopic = boolParam(p, 'CompactTopic', false);
    if (compactTopic && !localTopic)
      throw new PopError(
        'InvalidParameter',
        'CompactTopic=true needs LocalTopic=true (compaction only exists on local storage).',
      );
    const created = await this.with(inst, async (admin) => {
      const existing = await admin.listTopics();
      if (existing.includes(topic)) return false;
      return admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: -1,
            configEntries: compactTopic ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
          },
        ],
      });
    });
    if (!created)
      throw new PopError('BIZ_TOPIC_EXISTED', `The topic ${topic} already exists on instance ${inst.instanceId}.`);
    this.store.mutate((s) => {
      s.kafka.topics = s.kafka.topics.filter((t) => !(t.InstanceId === inst.instanceId && t.Topic === topic));
      s.kafka.topics.push({
        InstanceId: inst.instanceId,
        Topic: topic,
        Remark: remark,
        CreateTime: Date.now(),
        LocalTopic: localTopic,
        CompactTopic: compactTopic,
      });
    });
    return {};
  }

  /** Groups the broker knows (committed offsets or members) plus groups created through the API. */
  private async allGroups(
    inst: EmulatedInstance,
  ): Promise<Map<string, { auto: boolean; remark: string; createTime: number }>> {
    const broker = await this.with(inst, (admin) => admin.listGroups());
    const out = new Map<string, { auto: boolean; remark: string; createTime: number }>();
    for (const g of broker.groups) {
      if (g.protocolType === 'connect') continue;
      out.set(g.groupId, { auto: true, remark: '', createTime: this.seen(`${inst.instanceId}/group/${g.groupId}`) });
    }
    for (const g of this.store.state.kafka.groups.filter((x) => x.InstanceId === inst.instanceId)) {
      out.set(g.ConsumerId, { auto: false, remark: g.Remark, createTime: g.CreateTime });
    }
    return out;
  }

  private async getConsumerList(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const currentPage = intParam(p, 'CurrentPage', 1, 1, 1_000_000);
    const pageSize = intParam(p, 'PageSize', 10, 1, 10_000);
    const filter = p.ConsumerId ?? '';
    const groups = [...(await this.allGroups(inst)).entries()]
      .filter(([id]) => id.includes(filter))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const ConsumerVO = groups.slice((currentPage - 1) * pageSize, currentPage * pageSize).map(([id, g]) => ({
      ConsumerId: id,
      InstanceId: inst.instanceId,
      RegionId: inst.regionId,
      Remark: g.remark,
      CreateTime: g.createTime,
      AutomaticallyCreatedGroup: g.auto,
      Tags: { TagVO: [] },
    }));
    return { Total: groups.length, CurrentPage: currentPage, PageSize: pageSize, ConsumerList: { ConsumerVO } };
  }

  private async createConsumerGroup(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const id = need(p, 'ConsumerId');
    checkName('ConsumerId', id);
    if ((await this.allGroups(inst)).has(id)) {
      throw new PopError(
        'BIZ_SUBSCRIPTION_EXISTED',
        `The consumer group ${id} already exists on instance ${inst.instanceId}.`,
      );
    }
    // Plain Kafka has no empty group: the group lives in emulator state until someone commits offsets for it.
    this.store.mutate((s) => {
      s.kafka.groups.push({
        InstanceId: inst.instanceId,
        ConsumerId: id,
        Remark: p.Remark ?? '',
        CreateTime: Date.now(),
      });
    });
    return {};
  }

  private async requireGroup(inst: EmulatedInstance, id: string): Promise<void> {
    if (!(await this.allGroups(inst)).has(id)) {
      throw new PopError(
        'BIZ_SUBSCRIPTION_NOT_FOUND',
        `The consumer group ${id} does not exist on instance ${inst.instanceId}.`,
      );
    }
  }

  private async getConsumerProgress(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const groupId = need(p, 'ConsumerId');
    boolParam(p, 'HideLastTimestamp', false);
    await this.requireGroup(inst, groupId);
    return this.with(inst, async (admin) => {
      const [described] = (await admin.describeGroups([groupId])).groups;
      const owners = memberOwners(described);
      const committed = await admin.fetchOffsets({ groupId });
      const topics = new Set<string>(
        [...committed.map((t) => t.topic), ...owners.keys()].map((k) => k.split('\u0000')[0]),
      );
      const TopicList = [];
      let total = 0;
      for (const topic of [...topics].sort()) {
        const ends = await admin.fetchTopicOffsets(topic).catch(() => []);
        const mine = committed.find((t) => t.topic === topic)?.partitions ?? [];
        let topicDiff = 0;
        const OffsetList = ends
          .sort((a, b) => a.partition - b.partition)
          .map((e) => {
            const c = mine.find((x) => x.partition === e.partition);
            const consumerOffset = c ? Number(c.offset) : -1;
            const diff = Math.max(0, Number(e.high) - (consumerOffset >= 0 ? consumerOffset : Number(e.low)));
            topicDiff += diff;
            const owner = owners.get(`${topic}\u0000${e.partition}`);
            return {
              Partition: e.partition,
              BrokerOffset: Number(e.high),
              ConsumerOffset: consumerOffset,
              LastTimestamp: -1,
              Accumulate: diff,
              ClientId: owner?.clientId ?? '',
              ClientIp: owner?.clientHost.replace(/^\//, '') ?? '',
              MemberId: owner?.memberId ?? '',
            };
          });
        total += topicDiff;
        TopicList.push({ Topic: topic, TotalDiff: topicDiff, LastTimestamp: -1, OffsetList: { OffsetList } });
      }
      return {
        ConsumerProgress: {
          // Lower-case `state`, as the official model names it (GetConsumerProgressResponseBodyConsumerProgress).
          TotalDiff: total,
          LastTimestamp: -1,
          state: GROUP_STATE[described?.state ?? ''] ?? (described?.state === 'Dead' ? 'DEAD' : 'EMPTY'),
          TopicList: { TopicList },
          RebalanceInfoList: { RebalanceInfoList: [] },
        },
      };
    });
  }

  private async deleteTopic(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const topic = need(p, 'Topic');
    const deleted = await this.with(inst, async (admin) => {
      if (hiddenTopic(topic) || !(await admin.listTopics()).includes(topic)) return false;
      await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
      return true;
    });
    if (!deleted)
      throw new PopError('BIZ_TOPIC_NOT_FOUND', `The topic ${topic} does not exist on instance ${inst.instanceId}.`);
    this.store.mutate((s) => {
      s.kafka.topics = s.kafka.topics.filter((t) => !(t.InstanceId === inst.instanceId && t.Topic === topic));
    });
    this.firstSeen.delete(`${inst.instanceId}/topic/${topic}`);
    return {};
  }

  private async deleteConsumerGroup(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const groupId = need(p, 'ConsumerId');
    await this.requireGroup(inst, groupId);
    await this.with(inst, async (admin) => {
      const [described] = (await admin.describeGroups([groupId])).groups;
      if (described && described.members.length > 0) {
        throw new PopError(
          'BIZ_CONSUMER_ONLINE',
          `The consumer group ${groupId} has ${described.members.length} online consumer(s); stop them before deleting the group.`,
        );
      }
      const known = (await admin.listGroups()).groups.some((g) => g.groupId === groupId);
      if (known) await admin.deleteGroups([groupId]);
    });
    this.store.mutate((s) => {
      s.kafka.groups = s.kafka.groups.filter((g) => !(g.InstanceId === inst.instanceId && g.ConsumerId === groupId));
    });
    this.firstSeen.delete(`${inst.instanceId}/group/${groupId}`);
    return {};
  }

  private async updateConsumerOffset(p: Record<string, string>): Promise<Record<string, unknown>> {
    const inst = this.instance(p);
    const groupId = need(p, 'ConsumerId');
    if (p.Topic === undefined)
      throw new PopError(
        'MissingParameter',
        'Topic is mandatory for this action (pass an empty string to reset every topic of the group).',
      );
    const topic = p.Topic;
    const resetType = p.ResetType || 'timestamp';
    if (resetType !== 'timestamp' && resetType !== 'offset')
      throw new PopError('InvalidParameter', `ResetType "${resetType}" must be timestamp or offset.`);
    await this.requireGroup(inst, groupId);
    await this.with(inst, async (admin) => {
      const [described] = (await admin.describeGroups([groupId])).groups;
      if (described && described.members.length > 0) {
        throw new PopError(
          'BIZ_CONSUMER_ONLINE',
          `The consumer group ${groupId} has ${described.members.length} online consumer(s); stop every consumer of the group and wait for session.timeout.ms before resetting offsets.`,
        );
      }
      const existing = await admin.listTopics();
      if (topic !== '' && !existing.includes(topic))
        throw new PopError('BIZ_TOPIC_NOT_FOUND', `The topic ${topic} does not exist on instance ${inst.instanceId}.`);
      if (resetType === 'offset') {
        if (topic === '')
          throw new PopError(
            'InvalidParameter',
            'ResetType=offset needs one Topic (per-partition offsets apply to a single topic).',
          );
        const offsets = parseOffsets(p.Offsets);
        const ends = await admin.fetchTopicOffsets(topic);
        for (const o of offsets) {
          const e = ends.find((x) => x.partition === o.Partition);
          if (!e)
            throw new PopError(
              'InvalidParameter',
              `Partition ${o.Partition} does not exist in topic ${topic} (it has ${ends.length}).`,
            );
          if (o.Offset < Number(e.low) || o.Offset > Number(e.high)) {
            throw new PopError(
              'InvalidParameter',
              `Offset ${o.Offset} of partition ${o.Partition} is outside [${e.low}, ${e.high}].`,
            );
          }
        }
        await admin.setOffsets({
          groupId,
          topic,
          partitions: offsets.map((o) => ({ partition: o.Partition, offset: String(o.Offset) })),
        });
        return;
      }
      const time = Number(need(p, 'Time'));
      if (!Number.isInteger(time) || (time < 0 && time !== -1 && time !== -2))
        throw new PopError(
          'InvalidParameter',
          `Time "${p.Time}" must be ms since the epoch, -1 (latest) or -2 (earliest).`,
        );
      const topics =
        topic !== ''
          ? [topic]
          : (await admin.fetchOffsets({ groupId })).map((t) => t.topic).filter((t) => existing.includes(t));
      for (const t of topics) {
        if (time === -1 || time === -2) {
          // Explicit offsets: kafkajs' resetOffsets relies on seek sentinels that do not commit "latest" reliably.
          const ends = await admin.fetchTopicOffsets(t);
          await admin.setOffsets({
            groupId,
            topic: t,
            partitions: ends.map((e) => ({ partition: e.partition, offset: time === -1 ? e.high : e.low })),
          });
        } else {
          const at = await admin.fetchTopicOffsetsByTimestamp(t, time);
          await admin.setOffsets({
            groupId,
            topic: t,
            partitions: at.map((x) => ({ partition: x.partition, offset: x.offset })),
          });
        }
      }
    });
    return {};
  }
}

function parseOffsets(raw: string | undefined): { Partition: number; Offset: number }[] {
  if (!raw)
    throw new PopError(
      'MissingParameter',
      'Offsets is mandatory when ResetType=offset: a JSON array of {"Partition": n, "Offset": n}.',
    );
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new PopError('InvalidParameter', 'Offsets must be a JSON array of {"Partition": n, "Offset": n}.');
  }
  if (!Array.isArray(v) || v.length === 0)
    throw new PopError('InvalidParameter', 'Offsets must be a non-empty JSON array of {"Partition": n, "Offset": n}.');
  return v.map((o: unknown, i) => {
    const x = o as { Partition?: unknown; Offset?: unknown };
    const partition = Number(x?.Partition);
    const offset = Number(x?.Offset);
    if (!Number.isInteger(partition) || partition < 0 || !Number.isInteger(offset) || offset < 0) {
      throw new PopError(
        'InvalidParameter',
        `Offsets[${i}] must be {"Partition": integer >= 0, "Offset": integer >= 0}.`,
      );
    }
    return { Partition: partition, Offset: offset };
  });
}

function memberOwners(
  group: GroupDescription | undefined,
): Map<string, { clientId: string; clientHost: string; memberId: string }> {
  const owners = new Map<string, { clientId: string; clientHost: string; memberId: string }>();
  if (!group || group.protocolType !== 'consumer') return owners;
  for (const m of group.members) {
    try {
      const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
        for (const partition of partitions)
          owners.set(`${topic}\u0000${partition}`, {
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberId: m.memberId,
          });
      }
    } catch {
      // An assignment we cannot decode (another client library's custom assignor) just leaves the columns empty.
    }
  }
  return owners;
}
