// What each runbook takes: ONE JSON object, as the Temporal UI's Start Workflow form sends it. The schemas are pure
// zod in src/config (the workflows validate their input with them; kdr checks its flags with the same ones).
export {
  SetupInputSchema,
  FailoverInputSchema,
  WatchStartSchema,
  WatchInputSchema,
  FailbackInputSchema,
  type SetupInput,
  type FailoverInput,
  type WatchInput,
  type FailbackInput,
} from '../../src/config';
export { VerifyInputSchema, type VerifyInput } from '../../src/config/verify-input';
export { DrillInputSchema, DrillScheduleSchema, type DrillInput } from '../../src/config/drill-input';
export {
  ApprovePayloadSchema,
  RejectPayloadSchema,
  ResolvePayloadSchema,
  StopWatchPayloadSchema,
} from '../../src/config';
