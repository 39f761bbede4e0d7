// The contract between kafka-dr's runbooks and everything that starts or steers them (the worker, kdr, the
// Temporal UI, tests): the task queue, the workflow ids of a pair's runs, the signals, queries and updates, and
// each runbook's input. Pure: workflows import it, and so do the apps above them.
export * from './temporal';
export * from './ids';
export * from './messages';
export * from './inputs';
