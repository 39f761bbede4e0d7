// What kafka-dr sends to each Alibaba Cloud action: every request parameter's wire name and its encoding. PopRpc
// refuses to send a parameter this table does not declare (or one whose value has another encoding), so the table
// is the whole of what the cloud layer can send; test/unit/conformance checks it against the request models of Alibaba
// Cloud's official generated SDKs (PyPI alibabacloud-alikafka20190916, -alidns20150109, -eventbridge20200401), and
// the response schemas the calls parse against their response models.
import type { CloudProduct } from './errors';

/**
 * How a parameter travels in the form-encoded request (pop-core): `string`, `integer` (a decimal), `boolean`
 * (true/false), `list` (a list of scalars, flattened as `Name.1`, `Name.2`, ...), `json` (an object or list sent as
 * one JSON string: the SDKs' `_shrink` parameters, or a string parameter documented to hold JSON).
 */
export type ParamEncoding = 'string' | 'integer' | 'boolean' | 'list' | 'json';

type Contract = Record<CloudProduct, Record<string, Record<string, ParamEncoding>>>;

export const CLOUD_CONTRACT = {
  alikafka: {
    GetInstanceList: { RegionId: 'string', InstanceId: 'list' },
    GetTopicList: {
      RegionId: 'string',
      InstanceId: 'string',
      Topic: 'string',
      CurrentPage: 'string',
      PageSize: 'string',
    },
    CreateTopic: {
      RegionId: 'string',
      InstanceId: 'string',
      Topic: 'string',
      Remark: 'string',
      PartitionNum: 'string',
      LocalTopic: 'boolean',
      CompactTopic: 'boolean',
      ReplicationFactor: 'integer',
      MinInsyncReplicas: 'integer',
      Config: 'json',
    },
    GetConsumerList: {
      RegionId: 'string',
      InstanceId: 'string',
      ConsumerId: 'string',
      CurrentPage: 'integer',
      PageSize: 'integer',
    },
    CreateConsumerGroup: { RegionId: 'string', InstanceId: 'string', ConsumerId: 'string', Remark: 'string' },
    GetConsumerProgress: {
      RegionId: 'string',
      InstanceId: 'string',
      ConsumerId: 'string',
      HideLastTimestamp: 'boolean',
    },
    UpdateConsumerOffset: {
      RegionId: 'string',
      InstanceId: 'string',
      ConsumerId: 'string',
      Topic: 'string',
      ResetType: 'string',
      Time: 'string',
      Offsets: 'json',
    },
    DeleteTopic: { RegionId: 'string', InstanceId: 'string', Topic: 'string' },
    DeleteConsumerGroup: { RegionId: 'string', InstanceId: 'string', ConsumerId: 'string' },
    DescribeSaslUsers: { RegionId: 'string', InstanceId: 'string' },
    CreateSaslUser: {
      RegionId: 'string',
      InstanceId: 'string',
      Username: 'string',
      Password: 'string',
      Type: 'string',
      Mechanism: 'string',
    },
    DescribeAcls: {
      RegionId: 'string',
      InstanceId: 'string',
      Username: 'string',
      AclResourceType: 'string',
      AclResourceName: 'string',
      AclResourcePatternType: 'string',
      AclOperationType: 'string',
      AclPermissionType: 'string',
      Host: 'string',
    },
    CreateAcl: {
      RegionId: 'string',
      InstanceId: 'string',
      Username: 'string',
      AclResourceType: 'string',
      AclResourceName: 'string',
      AclResourcePatternType: 'string',
      AclOperationType: 'string',
      AclOperationTypes: 'string',
      AclPermissionType: 'string',
      Host: 'string',
    },
    UpdateTopicConfig: { RegionId: 'string', InstanceId: 'string', Topic: 'string', Config: 'string', Value: 'string' },
    DeleteAcl: {
      RegionId: 'string',
      InstanceId: 'string',
      Username: 'string',
      AclResourceType: 'string',
      AclResourceName: 'string',
      AclResourcePatternType: 'string',
      AclOperationType: 'string',
      AclOperationTypes: 'string',
      AclPermissionType: 'string',
      Host: 'string',
    },
    DeleteSaslUser: {
      RegionId: 'string',
      InstanceId: 'string',
      Username: 'string',
      Type: 'string',
      Mechanism: 'string',
    },
  },
  alidns: {
    DescribeSubDomainRecords: {
      SubDomain: 'string',
      DomainName: 'string',
      Type: 'string',
      Line: 'string',
      PageNumber: 'integer',
      PageSize: 'integer',
    },
    DescribeDomainRecordInfo: { RecordId: 'string' },
    AddDomainRecord: {
      DomainName: 'string',
      RR: 'string',
      Type: 'string',
      Value: 'string',
      TTL: 'integer',
      Line: 'string',
      Priority: 'integer',
    },
    UpdateDomainRecord: {
      RecordId: 'string',
      RR: 'string',
      Type: 'string',
      Value: 'string',
      TTL: 'integer',
      Line: 'string',
      Priority: 'integer',
    },
    DeleteDomainRecord: { RecordId: 'string' },
  },
  eventbridge: {
    CreateEventStreaming: {
      EventStreamingName: 'string',
      Description: 'string',
      FilterPattern: 'string',
      Source: 'json',
      Sink: 'json',
      RunOptions: 'json',
    },
    GetEventStreaming: { EventStreamingName: 'string' },
    StartEventStreaming: { EventStreamingName: 'string' },
    PauseEventStreaming: { EventStreamingName: 'string' },
    DeleteEventStreaming: { EventStreamingName: 'string' },
    ListEventStreamings: { NamePrefix: 'string', Limit: 'integer', NextToken: 'string' },
  },
} as const satisfies Contract;

/** The encoding a value given to PopRpc.call will travel with (see rpc.ts toPopParams). */
export function encodingOf(value: unknown, isJsonParam: (v: unknown) => boolean): ParamEncoding | 'unknown' {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return 'integer';
  if (typeof value === 'boolean') return 'boolean';
  if (isJsonParam(value)) return 'json';
  if (Array.isArray(value))
    return value.every((v) => v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v))
      ? 'list'
      : 'unknown';
  if (typeof value === 'object' && value !== null) return 'json';
  return 'unknown';
}

/**
 * Why `params` may not be sent as `product` `action` (an undeclared action or parameter, or another encoding than
 * declared), or undefined when the table allows them. Unset (undefined/null) parameters are not sent.
 */
export function contractViolation(
  product: CloudProduct,
  action: string,
  params: Record<string, unknown>,
  isJsonParam: (v: unknown) => boolean,
): string | undefined {
  const declared = (CLOUD_CONTRACT as Contract)[product][action];
  const where = 'src/cloud/contract.ts CLOUD_CONTRACT';
  if (!declared)
    return `${product} ${action} is not declared in ${where}: declare its parameters there (test/unit/conformance checks them against the official SDK)`;
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const want = declared[name];
    if (!want)
      return `${product} ${action} parameter ${name} is not declared in ${where}: declare it there (test/unit/conformance checks it against the official SDK)`;
    const got = encodingOf(value, isJsonParam);
    if (got !== want)
      return `${product} ${action} parameter ${name} is declared as ${want} in ${where} but was given as ${got}`;
  }
  return undefined;
}
