export {
  Runbook,
  runbook,
  type StepContext,
  type StepDeclaration,
  type StepDeclarations,
  type VetoWindow,
  type Vetted,
} from './runbook';
export {
  ApprovalGate,
  type Approval,
  type ApprovalClaim,
  type ApprovalOptions,
  type ApprovalOutcome,
} from './approval-gate';
export { blocksStep, describeFailure, refused, refusalIn, stepFailure, TERMINAL_FAILURE_TYPES } from './failures';
export { refuseApproval, refuseRejection } from './approval';
export { refuseUnsigned, type DecisionGuard, type PairIdentity } from './signed-decisions';
export { renderStatus } from './render';
export { pollUntil, type PollOptions } from './poll';
export { DrHealthKey, DrPairKey, DrPhaseKey } from './search-attributes';
export type * from './types';
