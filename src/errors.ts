// One error model for kafka-dr. Every error it raises on purpose is a KdrError with a stable `type` (the name the
// Temporal failure, the step table, the CLI, the tests and the operator guide use) and `retryable`: whether trying
// again can help (a broker restarting, a throttled API) or an operator must act first (a missing topic, a bad
// secret). franz-go's kerr does the same for Kafka's own error codes. activities/failures.ts is the one place
// that turns it into a Temporal failure. Pure: no Temporal import, so the cloud and Kafka layers stay SDK-free.

export abstract class KdrError extends Error {
  /** Whether an automatic retry can help; false blocks the step at once with this message (it says what to fix). */
  abstract readonly retryable: boolean;

  /** The stable name of the problem: the class name without "Error", unless it carries a more precise one (a cloud code). */
  get type(): string {
    return this.name.replace(/Error$/, '');
  }

  /** Structured facts for the failure's details (no secrets): e.g. the cloud request id. */
  details(): Record<string, unknown> | undefined {
    return undefined;
  }
}

/**
 * Every failure type a run can end or block with that is kafka-dr's own, with whether a retry can help. Alibaba
 * Cloud errors keep the cloud's own code as their type (Throttling.User, InvalidAccessKeyId.NotFound, ...). The
 * operator guide lists these ("Failure types"); a test checks that list and the code agree.
 */
export const FAILURE_TYPES = {
  // Terminal: the run ends
  Aborted: {
    retryable: false,
    meaning:
      'the run was aborted (by an operator, the approval timeout, or a precondition such as another failover running); nothing after it ran',
  },
  Rejected: { retryable: false, meaning: 'an approver rejected the plan; nothing was changed' },
  Refused: {
    retryable: false,
    meaning:
      "a security rule refused the request (e.g. an input that loosens the pair's approval policy); nothing was changed",
  },
  InvalidInput: { retryable: false, meaning: "the run's input is invalid; the message names every wrong field" },
  RunbookDefinition: {
    retryable: false,
    meaning: 'a runbook is declared wrongly (a bug in kafka-dr, not in the pair)',
  },
  ResolveRefused: {
    retryable: false,
    meaning: 'a resolve request (update) was refused: no such blocked step, or skip on a step that cannot be skipped',
  },
  // Configuration: fix the worker's environment or the pairs file, then resolve retry
  PairsFile: { retryable: false, meaning: "the worker's pairs file (KDR_PAIRS_FILE) is missing or invalid" },
  UnknownPair: { retryable: false, meaning: "no pair of that name in the worker's pairs file" },
  CloudConfig: {
    retryable: false,
    meaning: 'Alibaba Cloud credentials or endpoints are missing or invalid on the worker',
  },
  KafkaConfig: {
    retryable: false,
    meaning: 'a Kafka client setting (SASL secret variable, KDR_REPLICATION_FACTOR) is missing or invalid',
  },
  ReplicationSpec: { retryable: false, meaning: 'the replication cannot be configured as the pair asks' },
  SameRegion: {
    retryable: false,
    meaning: 'both ApsaraMQ instances are in one region: single-zone DR needs another region',
  },
  NoApplicationTopics: { retryable: false, meaning: "the pair's topic selection matches no application topic" },
  NoConsumerGroups: {
    retryable: false,
    meaning: 'the pair lists consumer groups of which none is declared on the primary ApsaraMQ instance',
  },
  SelectionBudget: {
    retryable: false,
    meaning:
      "a topic or group selection ran past its time budget over the cluster's names (matching is linear; this is a backstop): list the names or simplify the pattern",
  },
  NamesNotAllowedOnSecondary: {
    retryable: false,
    meaning:
      "selected topic or group names exceed the ApsaraMQ secondary's official limits (letters, digits, _ - ., 3-64 characters)",
  },
  // The clusters and the cloud
  ClusterUnreachable: {
    retryable: true,
    meaning:
      "a cluster does not answer: activities retry until the step's deadline; drSetup's preflight blocks at once",
  },
  InstanceNotFound: { retryable: false, meaning: 'the ApsaraMQ instance id does not exist in that region' },
  InstanceNotRunning: { retryable: false, meaning: 'the ApsaraMQ instance is not running' },
  TopicMissing: { retryable: false, meaning: 'a topic the pair replicates does not exist on a side' },
  SecondaryIncomplete: { retryable: false, meaning: 'the secondary lacks replicated topics: it cannot take over' },
  PartitionCountMismatch: {
    retryable: false,
    meaning: 'a topic has different partition counts on the two sides: offsets cannot be mapped partition by partition',
  },
  ConnectApi: {
    retryable: false,
    meaning: 'Kafka Connect refused the connector config (4xx); its 5xx and 409 (rebalancing) answers are retried',
  },
  ConnectorFailed: { retryable: false, meaning: 'the connector or a task is FAILED (the cause is in the message)' },
  VerifyFailed: {
    retryable: false,
    meaning: 'connector-verify found the replication unhealthy (canary missing or late, lag above the threshold)',
  },
  Canary: { retryable: true, meaning: 'the canary could not be sent or read; retried' },
  CheckpointFormat: { retryable: false, meaning: 'an MM2 checkpoint record has an unknown format' },
  KafkaInternals: {
    retryable: true,
    meaning: 'a raw Kafka protocol request failed (e.g. no partition leader known yet); retried',
  },
  // Offsets and the plan
  EvidenceIncomplete: { retryable: true, meaning: 'evidence for the plan could not be read completely; retried' },
  PlanInput: { retryable: false, meaning: 'the planner was given inconsistent evidence' },
  PlanStore: { retryable: true, meaning: 'the stored plan could not be written or read back completely; retried' },
  PlanStoreIncomplete: { retryable: false, meaning: "a stored plan's pages are missing or do not match its hash" },
  GroupHasLiveMembers: {
    retryable: false,
    meaning: 'a consumer group has live members where its offsets must be set: stop its consumers',
  },
  GroupsHaveLiveMembers: {
    retryable: false,
    meaning: 'groups still have live members on the secondary: stop them, then resolve retry',
  },
  ResetFailed: { retryable: false, meaning: 'some groups could not be reset (the message lists them)' },
  OffsetReadBack: { retryable: false, meaning: 'committed offsets read back differ from what was written' },
  ReplicationUnprovable: {
    retryable: false,
    meaning: "the pair's measured replication profile cannot prove the drain complete",
  },
  StaleClientCommits: {
    retryable: false,
    meaning: "after the switch a live client committed offsets below the plan (it kept the other cluster's positions)",
  },
  // DNS
  DnsNotPropagated: {
    retryable: false,
    meaning: 'the resolvers do not answer the new CNAME target after its TTL and ten checks',
  },
  DomainRecordConflict: { retryable: false, meaning: "another DNS record holds the custom domain's name" },
  // Failback
  PairFailedOver: {
    retryable: false,
    meaning: 'the pair has failed over: drSetup would reverse it without approval (use drFailback)',
  },
  OldPrimaryUnreachable: {
    retryable: false,
    meaning: 'the old primary does not answer: the failback cannot assess it',
  },
  OldPrimaryWritten: {
    retryable: false,
    meaning:
      'records were written on the old primary after the assessment and no export holds them: assess and export again',
  },
  TailUnprovable: { retryable: false, meaning: 'the unreplicated tail of the old primary cannot be proven' },
  ExportIncomplete: {
    retryable: false,
    meaning: 'the unreplicated tail is not fully exported (read back and counted): nothing is deleted',
  },
  ForwardNotPaused: {
    retryable: false,
    meaning: 'forward replication is still running: replicating in reverse would loop',
  },
  ReverseNotRunning: {
    retryable: false,
    meaning: 'the reverse replication is not running: the switch back drains the active side over it',
  },
  SwitchBackIncomplete: { retryable: false, meaning: 'the switch-back failover did not switch (it was a dry run)' },
  // Parity (src/parity): users, ACLs and topic configs on the side clients move to
  ParityGaps: {
    retryable: false,
    meaning:
      'the secondary lacks users, ACLs or topic settings the primary\'s clients need (parity "check"): the message and the run\'s details list each with its fix',
  },
  ParitySyncIncomplete: {
    retryable: false,
    meaning:
      'parity "sync" could not create or align everything (a secret variable unset, a setting or an ACL refused): each item is named; what was created is listed',
  },
  // Waits
  WaitTimedOut: {
    retryable: false,
    meaning:
      'a bounded wait (connector running, drain, quiet window) did not reach its state in time; the message has the last observation',
  },
  // The watch
  NotReady: { retryable: false, meaning: 'the watch has not resolved its pair yet (query again)' },
} as const satisfies Record<string, { retryable: boolean; meaning: string }>;

export type FailureType = keyof typeof FAILURE_TYPES;

/**
 * A refusal a domain service raises when only an operator can help (a secondary missing topics, an old primary
 * that does not answer): typed by one of FAILURE_TYPES, never retried. Activities map it like every KdrError.
 */
export class OperatorActionError extends KdrError {
  override name = 'OperatorActionError';
  readonly retryable = false;
  constructor(
    readonly failureType: FailureType,
    message: string,
  ) {
    super(message);
  }

  override get type(): string {
    return this.failureType;
  }
}
