// The workflows the kafka-dr worker runs (task queue "kafka-dr"). Each takes ONE JSON object, as the
// Temporal UI's Start Workflow form sends it.
export { drSetup } from './dr-setup';
export { drFailover } from './dr-failover';
export { drWatch } from './dr-watch';
export { drVerify } from './dr-verify';
export { drFailback } from './dr-failback';
export { drDrill } from './dr-drill';
export { drEvacuate } from './dr-evacuate';
export { drEvaluateEvacuation } from './evaluate-evacuation';
