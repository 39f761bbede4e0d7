// Least privilege for the worker's AccessKey: which RAM action authorizes each API kafka-dr may call
// (CLOUD_CONTRACT), which runbook calls which, and the RAM policy that grants exactly those
// (config/ram/kafka-dr-worker.json, rendered from this table; test/unit/cloud/ram.test.ts keeps the two equal).
// Sources (the "RAM authorization" section of each API page, and each product's RAM authorization overview):
//   https://www.alibabacloud.com/help/en/apsaramq-for-kafka/cloud-message-queue-for-kafka/developer-reference/api-alikafka-2019-09-16-ram
//   https://www.alibabacloud.com/help/en/dns/ram-authorization
//   https://www.alibabacloud.com/help/en/eventbridge/developer-reference/api-eventbridge-2020-04-01-ram
// Pure: no I/O, so workflows, the CLI and the emulator (stack/emulator/ram.ts) can all import it.
import { CLOUD_CONTRACT } from './contract';
import type { CloudProduct } from './errors';

/** Where users find the policy to attach to the worker's RAM user (repository path). */
export const WORKER_POLICY_FILE = 'config/ram/kafka-dr-worker.json';

export type RunbookName = 'drSetup' | 'drWatch' | 'drFailover' | 'drFailback' | 'drDrill' | 'drVerify';
export const RUNBOOKS: readonly RunbookName[] = [
  'drSetup',
  'drWatch',
  'drFailover',
  'drFailback',
  'drDrill',
  'drVerify',
];

type ApiOf<P extends CloudProduct> = keyof (typeof CLOUD_CONTRACT)[P] & string;
export type CloudApi = { [P in CloudProduct]: `${P}:${ApiOf<P>}` }[CloudProduct];

export interface RamActionInfo {
  /** The RAM action (the policy's Action element) that authorizes the API. alikafka's differ from the API names. */
  action: string;
  /** The ARN pattern the action is checked against ("*" where the documentation lists "All Resources"). */
  resource: string;
  /** False where the public documentation was not found to name this action for this API (docs/ram-policy.md). */
  confirmed: boolean;
}

const KAFKA_INSTANCE = 'acs:alikafka:{regionId}:{accountId}:{instanceId}';
const DNS_DOMAIN = 'acs:alidns:*:{accountId}:domain/{domainName}';
const EVENT_STREAM = 'acs:eventbridge:{regionId}:{accountId}:eventstreaming/{eventStreamingName}';

export const RAM_ACTIONS: { [P in CloudProduct]: Record<ApiOf<P>, RamActionInfo> } = {
  alikafka: {
    GetInstanceList: { action: 'alikafka:ListInstance', resource: '*', confirmed: true },
    GetTopicList: { action: 'alikafka:ListTopic', resource: '*', confirmed: true },
    CreateTopic: { action: 'alikafka:CreateTopic', resource: KAFKA_INSTANCE, confirmed: true },
    GetConsumerList: { action: 'alikafka:ListGroup', resource: '*', confirmed: true },
    CreateConsumerGroup: { action: 'alikafka:CreateGroup', resource: KAFKA_INSTANCE, confirmed: true },
    GetConsumerProgress: { action: 'alikafka:ListGroup', resource: KAFKA_INSTANCE, confirmed: false },
    UpdateConsumerOffset: { action: 'alikafka:UpdateGroup', resource: KAFKA_INSTANCE, confirmed: false },
    DeleteTopic: { action: 'alikafka:DeleteTopic', resource: KAFKA_INSTANCE, confirmed: true },
    DeleteConsumerGroup: { action: 'alikafka:DeleteGroup', resource: KAFKA_INSTANCE, confirmed: true },
    DescribeSaslUsers: { action: 'alikafka:ListSaslUser', resource: '*', confirmed: true },
    CreateSaslUser: { action: 'alikafka:CreateSaslUser', resource: '*', confirmed: true },
    DescribeAcls: { action: 'alikafka:ListAcl', resource: '*', confirmed: true },
    CreateAcl: { action: 'alikafka:CreateAcl', resource: '*', confirmed: true },
    UpdateTopicConfig: { action: 'alikafka:UpdateTopicConfig', resource: KAFKA_INSTANCE, confirmed: false },
    DeleteAcl: { action: 'alikafka:DeleteAcl', resource: '*', confirmed: true },
    DeleteSaslUser: { action: 'alikafka:DeleteSaslUser', resource: '*', confirmed: true },
  },
  alidns: {
    DescribeSubDomainRecords: { action: 'alidns:DescribeSubDomainRecords', resource: DNS_DOMAIN, confirmed: false },
    DescribeDomainRecordInfo: { action: 'alidns:DescribeDomainRecordInfo', resource: DNS_DOMAIN, confirmed: false },
    AddDomainRecord: { action: 'alidns:AddDomainRecord', resource: DNS_DOMAIN, confirmed: false },
    UpdateDomainRecord: { action: 'alidns:UpdateDomainRecord', resource: DNS_DOMAIN, confirmed: true },
    DeleteDomainRecord: { action: 'alidns:DeleteDomainRecord', resource: DNS_DOMAIN, confirmed: false },
  },
  eventbridge: {
    CreateEventStreaming: { action: 'eventbridge:CreateEventStreaming', resource: EVENT_STREAM, confirmed: false },
    GetEventStreaming: { action: 'eventbridge:GetEventStreaming', resource: EVENT_STREAM, confirmed: false },
    StartEventStreaming: { action: 'eventbridge:StartEventStreaming', resource: EVENT_STREAM, confirmed: true },
    PauseEventStreaming: { action: 'eventbridge:PauseEventStreaming', resource: EVENT_STREAM, confirmed: false },
    DeleteEventStreaming: { action: 'eventbridge:DeleteEventStreaming', resource: EVENT_STREAM, confirmed: false },
    ListEventStreamings: { action: 'eventbridge:ListEventStreamings', resource: '*', confirmed: false },
  },
};

/** Why a runbook calls an API: the activity (activities/*.ts) and the condition under which it does. */
export interface RunbookCall {
  api: CloudApi;
  why: string;
}

const READ_CNAME: RunbookCall = {
  api: 'alidns:DescribeSubDomainRecords',
  why: "readCname / ensureCname: the pair's CNAME (failover guard, switch)",
};
const SWITCH_CNAME: RunbookCall[] = [
  { api: 'alidns:AddDomainRecord', why: 'ensureCname: the CNAME when the record does not exist yet' },
  { api: 'alidns:UpdateDomainRecord', why: 'ensureCname: the CNAME pointed at the other side' },
];
const STREAM_STATE: RunbookCall = {
  api: 'eventbridge:GetEventStreaming',
  why: 'replication state of an EventBridge pair (each stream looked up by its exact name)',
};
const ENSURE_STREAMS: RunbookCall[] = [
  { api: 'eventbridge:CreateEventStreaming', why: 'ensureReplication: one event stream per topic (EventBridge pairs)' },
  { api: 'eventbridge:StartEventStreaming', why: 'ensureReplication / resume: a READY or PAUSED stream started' },
  { api: 'eventbridge:DeleteEventStreaming', why: 'ensureReplication: a stream whose route changed is re-created' },
];
/** src/parity/alikafka.ts readParity: users, their ACLs, topic settings and instance limits of either side. */
const PARITY_READS: RunbookCall[] = [
  {
    api: 'alikafka:DescribeSaslUsers',
    why: 'parity: the SASL users of both instances (names and mechanisms, never passwords)',
  },
  { api: 'alikafka:DescribeAcls', why: "parity: each SASL user's ACLs on both instances" },
];
const DECLARED_GROUPS: RunbookCall = {
  api: 'alikafka:GetConsumerList',
  why: 'the consumer groups an ApsaraMQ instance declares',
};

/**
 * The APIs each runbook can call, from reading workflows/ and activities/ (ApsaraMQ calls only for apsaramq sides,
 * EventBridge calls only for `replication.provider: "eventbridge"`, alidns for every pair). A runbook that starts
 * another (drSetup starts drWatch, drFailback's switch-back runs drFailover) lists that one's calls too.
 */
export const RUNBOOK_CALLS: Record<RunbookName, RunbookCall[]> = {
  drSetup: [
    READ_CNAME,
    ...SWITCH_CNAME,
    { api: 'alikafka:GetInstanceList', why: 'checkClusters: each ApsaraMQ instance exists and is running' },
    { api: 'alikafka:GetTopicList', why: 'prepareSecondary / dead-letter topic: which topics exist already' },
    {
      api: 'alikafka:CreateTopic',
      why: 'prepareSecondary: the replicated topics, the canary and the dead-letter topic',
    },
    DECLARED_GROUPS,
    { api: 'alikafka:CreateConsumerGroup', why: 'prepareSecondary: declares the selected groups on the secondary' },
    STREAM_STATE,
    ...ENSURE_STREAMS,
    ...PARITY_READS,
    {
      api: 'alikafka:CreateSaslUser',
      why: 'parity "sync": a primary user missing on the secondary (password from its secret variable)',
    },
    { api: 'alikafka:CreateAcl', why: 'parity "sync": a primary ACL missing on the secondary' },
    {
      api: 'alikafka:UpdateTopicConfig',
      why: 'parity "sync": retention.ms / max.message.bytes aligned on the secondary',
    },
  ],
  drWatch: [
    { ...DECLARED_GROUPS, why: 'watchTick: groups declared on the primary are snapshotted before they commit' },
    STREAM_STATE,
    { api: 'alikafka:GetInstanceList', why: 'probeCloud (autoFailover.probes.cloud): the primary instance in service' },
  ],
  drFailover: [
    READ_CNAME,
    ...SWITCH_CNAME,
    { ...DECLARED_GROUPS, why: "planOffsets: the secondary's declared groups when the primary is unreachable" },
    STREAM_STATE,
    { api: 'eventbridge:PauseEventStreaming', why: 'pauseReplication: the streams stop before the final plan' },
    {
      api: 'alikafka:GetInstanceList',
      why: "probeCloud: an automatic failover's veto window aborts when the primary is in service again",
    },
  ],
  drFailback: [
    READ_CNAME,
    ...SWITCH_CNAME,
    DECLARED_GROUPS,
    STREAM_STATE,
    ...ENSURE_STREAMS,
    {
      api: 'eventbridge:PauseEventStreaming',
      why: 'reprotect / restoreForward: streams paused before positions are set',
    },
  ],
  drDrill: [
    {
      ...DECLARED_GROUPS,
      why: "planOffsets (dry run): the secondary's declared groups when the primary is unreachable",
    },
    STREAM_STATE,
  ],
  drVerify: [],
};

/** APIs declared in CLOUD_CONTRACT that no runbook calls, with the reason they are declared: they stay out of the policy. */
export const NOT_IN_WORKER_POLICY: Partial<Record<CloudApi, string>> = {
  'alikafka:GetConsumerProgress':
    "test-only: tests and the conformance suite read ApsaraMQ's own view of a group's offsets; kafka-dr reads offsets over the Kafka protocol",
  'alikafka:UpdateConsumerOffset':
    'test-only: kafka-dr resets offsets over the Kafka protocol (exact per-partition offsets); the API is emulated and checked against the SDK',
  'alikafka:DeleteTopic': 'test-only: kafka-dr never deletes a topic (test cleanup)',
  'alikafka:DeleteConsumerGroup': 'test-only: kafka-dr never deletes a declared group (test cleanup)',
  'alikafka:DeleteAcl':
    'test-only: kafka-dr adds missing ACLs and never removes one (a DENY only the secondary has is reported with its fix)',
  'alikafka:DeleteSaslUser': 'test-only: kafka-dr never deletes a SASL user (test cleanup)',
  'alidns:DescribeDomainRecordInfo': 'test-only: emulator and conformance tests read one record by id',
  'alidns:DeleteDomainRecord': 'test-only: kafka-dr changes the CNAME in place, never deletes it (test cleanup)',
  'eventbridge:ListEventStreamings':
    'test-only: kafka-dr looks each stream up by its exact name (never by prefix, which could match another pair)',
};

export function ramActionOf(product: CloudProduct, api: string): RamActionInfo | undefined {
  return (RAM_ACTIONS[product] as Record<string, RamActionInfo>)[api];
}

/** Every API in CLOUD_CONTRACT, as `product:Api`. */
export function contractApis(): CloudApi[] {
  return (Object.keys(CLOUD_CONTRACT) as CloudProduct[]).flatMap((p) =>
    Object.keys(CLOUD_CONTRACT[p]).map((a) => `${p}:${a}` as CloudApi),
  );
}

function infoOf(api: CloudApi): RamActionInfo {
  const [product, name] = api.split(':') as [CloudProduct, string];
  const info = ramActionOf(product, name);
  if (!info) throw new Error(`${api} has no RAM action in src/cloud/ram.ts RAM_ACTIONS`);
  return info;
}

/** The RAM actions a runbook needs (sorted, without duplicates); all runbooks when none is named. */
export function ramActionsFor(runbooks: readonly RunbookName[] = RUNBOOKS): string[] {
  return [...new Set(runbooks.flatMap((r) => RUNBOOK_CALLS[r].map((c) => infoOf(c.api).action)))].sort();
}

/**
 * The worker's policy: one Allow statement per product, with Resource "*" so that it works in any account as it
 * is; docs/ram-policy.md shows how to narrow each statement to the pair's instances, domain and streams.
 */
export function workerPolicy(): { Version: '1'; Statement: { Effect: 'Allow'; Action: string[]; Resource: string }[] } {
  const actions = ramActionsFor();
  const products = [...new Set(actions.map((a) => a.split(':')[0]))];
  return {
    Version: '1',
    Statement: products.map((p) => ({
      Effect: 'Allow',
      Action: actions.filter((a) => a.startsWith(`${p}:`)),
      Resource: '*',
    })),
  };
}

/** The text of config/ram/kafka-dr-worker.json. */
export function renderWorkerPolicy(): string {
  return `${JSON.stringify(workerPolicy(), null, 2)}\n`;
}

/** The line an operator adds to the worker's policy when the cloud refuses `api` for lack of permission. */
export function ramFix(product: CloudProduct, api: string): string {
  const info = ramActionOf(product, api);
  const action = info?.action ?? `${product}:${api}`;
  // Kept short: the blocked step shows about 400 characters of the whole error chain.
  return `Fix: add "${action}" to the worker's RAM policy (${WORKER_POLICY_FILE}, docs/ram-policy.md), then resolve retry.`;
}
