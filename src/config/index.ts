// Pure configuration modules: safe to import from workflow code (no Node built-ins, no I/O).
export * from './duration';
export * from './pair';
export * from './inputs';
export * from './signals';
export * from './validate';
export * from './bounds';
export * from './identity';
export * from './approval';
export * from './watch-input';
export {
  patternProblem,
  MAX_PATTERN_LENGTH,
  compilePattern,
  selector,
  selectNames,
  SelectionBudgetError,
  SELECTION_BUDGET_MS,
  type NameSelection,
} from './safe-pattern';
export * from './failback-input';
export * from './names';
export * from './deadlines';
export * from './parity';
export * from './auto-failover';
export * from './auto-failover-input';
