// What each `kdr` command does, without the argument parsing: start a run, decide on it, read it. The demo
// (stack/demo.ts) calls these too, so the drill walks the same path an operator does.
export { start, startFailover, startSetup, startVerify, type FailoverOptions, type StartedRun } from './start-run';
export { planFromHistory, readPlan } from './read-plan';
export { approve, reject, resolve, type Decision } from './decide';
