// The exact command that fixes a gap on the secondary: kafka-*.sh for a self-managed cluster, the aliyun CLI for
// an ApsaraMQ instance. Pure: workflows import it.
import { userSecretVar } from './gap';
import type { AclEntry, ParityConfigName } from './snapshot';

/** Where the fix commands point: a self-managed cluster (kafka-*.sh) or an ApsaraMQ instance (aliyun CLI). */
export type FixTarget =
  | { provider: 'kafka'; bootstrap: string; commandConfig?: string }
  | { provider: 'alikafka'; regionId: string; instanceId: string };

/** A word for a POSIX shell: left bare when safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9._:/=@,+%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const DEFAULT_TARGET: FixTarget = { provider: 'kafka', bootstrap: '<secondary-bootstrap>' };

export function kafkaBase(tool: string, t: Extract<FixTarget, { provider: 'kafka' }>): string {
  const cfg = t.commandConfig ? ` --command-config ${shellWord(t.commandConfig)}` : '';
  return `${tool} --bootstrap-server ${shellWord(t.bootstrap)}${cfg}`;
}

export function aliyunBase(action: string, t: Extract<FixTarget, { provider: 'alikafka' }>): string {
  return `aliyun alikafka ${action} --RegionId ${shellWord(t.regionId)} --InstanceId ${shellWord(t.instanceId)}`;
}

/** ApsaraMQ spelling of Kafka's ACL words (the CreateAcl parameters of the official SDK models). */
const ALI_RESOURCE: Record<string, string> = {
  TOPIC: 'Topic',
  GROUP: 'Group',
  CLUSTER: 'Cluster',
  TRANSACTIONAL_ID: 'TransactionalId',
};
const ALI_OPERATION: Record<string, string> = {
  READ: 'Read',
  WRITE: 'Write',
  DESCRIBE: 'Describe',
  IDEMPOTENT_WRITE: 'IdempotentWrite',
  DESCRIBE_CONFIGS: 'DESCRIBE_CONFIGS',
};
export function alikafkaAclWords(e: AclEntry): { resourceType?: string; operation?: string } {
  return { resourceType: ALI_RESOURCE[e.resourceType], operation: ALI_OPERATION[e.operation] };
}

function kafkaOperationWord(op: string): string {
  return op
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

function kafkaResourceFlag(e: AclEntry): string {
  switch (e.resourceType) {
    case 'TOPIC':
      return `--topic ${shellWord(e.resourceName)}`;
    case 'GROUP':
      return `--group ${shellWord(e.resourceName)}`;
    case 'CLUSTER':
      return '--cluster';
    case 'TRANSACTIONAL_ID':
      return `--transactional-id ${shellWord(e.resourceName)}`;
    case 'DELEGATION_TOKEN':
      return `--delegation-token ${shellWord(e.resourceName)}`;
    default:
      return `--user-principal ${shellWord(e.resourceName)}`;
  }
}

export function fixCreateUser(t: FixTarget, user: string, mechanism: string): string {
  const v = userSecretVar(user);
  if (t.provider === 'kafka') {
    return (
      `${kafkaBase('kafka-configs.sh', t)} --alter --entity-type users --entity-name ${shellWord(user)} ` +
      `--add-config "${mechanism}=[password=\${${v}}]"  (or parity "sync" with ${v} set)`
    );
  }
  const type = mechanism === 'PLAIN' ? 'plain' : 'scram';
  const mech = type === 'scram' ? ` --Mechanism ${shellWord(mechanism)}` : '';
  return (
    `${aliyunBase('CreateSaslUser', t)} --Username ${shellWord(user)} --Type ${type}${mech} ` +
    `--Password "\${${v}}"  (or parity "sync" with ${v} set)`
  );
}

export function fixAcl(t: FixTarget, e: AclEntry, remove = false): string {
  if (t.provider === 'kafka') {
    const who = e.permission === 'DENY' ? '--deny' : '--allow';
    return (
      `${kafkaBase('kafka-acls.sh', t)} ${remove ? '--remove --force' : '--add'} ${who}-principal ${shellWord(e.principal)} ` +
      `${who}-host ${shellWord(e.host)} --operation ${kafkaOperationWord(e.operation)} ${kafkaResourceFlag(e)} ` +
      `--resource-pattern-type ${e.patternType.toLowerCase()}`
    );
  }
  const w = alikafkaAclWords(e);
  const user = e.principal.replace(/^User:/, '');
  const args =
    `--Username ${shellWord(user)} --AclResourceType ${w.resourceType ?? e.resourceType} ` +
    `--AclResourceName ${shellWord(e.resourceName)} --AclResourcePatternType ${e.patternType} ` +
    `--AclOperationType ${w.operation ?? e.operation}`;
  const extra =
    e.permission === 'ALLOW' && e.host === '*'
      ? ''
      : ` --AclPermissionType ${e.permission} --Host ${shellWord(e.host)}`;
  return `${aliyunBase(remove ? 'DeleteAcl' : 'CreateAcl', t)} ${args}${extra}`;
}

export function fixTopicConfig(t: FixTarget, topic: string, name: ParityConfigName, value: string): string {
  if (t.provider === 'kafka') {
    return (
      `${kafkaBase('kafka-configs.sh', t)} --alter --entity-type topics --entity-name ${shellWord(topic)} ` +
      `--add-config ${shellWord(`${name}=${value}`)}`
    );
  }
  return `${aliyunBase('UpdateTopicConfig', t)} --Topic ${shellWord(topic)} --Config ${name} --Value ${shellWord(value)}`;
}
