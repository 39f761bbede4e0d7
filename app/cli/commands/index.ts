// Every kdr command, one file each (`kdr --help` lists them by name). Adding a command is adding its file, a
// KdrCommand (`export function registerX(program: Command, context: CommandContext)`), and one line here.
export { registerApprove } from './approve';
export { registerAuto } from './auto';
export { registerDrill } from './drill';
export { registerEvacuate } from './evacuate';
export { registerFailback } from './failback';
export { registerFailover } from './failover';
export { registerKeygen } from './keygen';
export { registerPairs } from './pairs';
export { registerPlan } from './plan';
export { registerProbeWorker } from './probe-worker';
export { registerReject } from './reject';
export { registerResolve } from './resolve';
export { registerSetup } from './setup';
export { registerStatus } from './status';
export { registerVerify } from './verify';
export { registerWatch } from './watch';
