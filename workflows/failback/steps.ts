// drFailback's step table, shared by the workflow and its stage helpers (so `run.step` names are checked in both).
import type { FailbackInput, PairConfig } from '../../src/config';
import { cloudCalls, exporting, quick, reading, verifying } from '../activity-options';
import type { Runbook } from '../runner';

export const FAILBACK_STEPS = {
  'load-pair': { title: 'Load and validate the pair and options', activities: quick },
  'failed-over': { title: 'Check the pair has failed over (CNAME on the secondary)', activities: quick },
  assess: {
    title: 'Assess: old primary answers; unreplicated tail, records since the failover, groups',
    activities: reading,
  },
  export: { title: 'Export the tail to the active side, read back and count', activities: exporting },
  approval: { title: 'Approval (tail counts, partitions to empty, reverse replication)' },
  'pause-forward': { title: 'Forward replication paused (no loop)', activities: cloudCalls },
  'clear-old-primary': { title: 'Empty the old primary up to the assessed ends', activities: cloudCalls },
  'ensure-reverse': { title: 'Reverse replication: ensure and wait until it runs', activities: cloudCalls },
  'reverse-verify': {
    title: 'Reverse connector-verify: canary and the newest records on the old primary',
    activities: verifying,
  },
  'reverse-parity': {
    title: "Reverse parity: the active side's SASL users, ACLs and topic configs on the old primary",
    skippable: true,
    activities: verifying,
  },
  'switch-back': {
    title: 'Switch back: drFailover in reverse (approval, offsets before the CNAME, drain, exact final offsets)',
    activities: quick,
  },
  'restore-approval': {
    title: 'Approval to restore forward replication (when no switch-back was approved in this run)',
    activities: quick,
  },
  'restore-forward': {
    title: 'Forward replication again: reverse removed, forward restarted where the copies end',
    activities: cloudCalls,
  },
  'forward-verify': {
    title: "Forward connector-verify: canary and the primary's newest records on the secondary; forward watch",
    activities: verifying,
  },
  report: { title: 'Report' },
} as const;

export type FailbackRun = Runbook<typeof FAILBACK_STEPS>;

/** What every stage works on: the run, its input, the pair and the same pair the other way round. */
export interface FailbackContext {
  run: FailbackRun;
  input: FailbackInput;
  pair: PairConfig;
  reverse: PairConfig;
  /** A signed pair's requester proven by this run's request signature: the switch-back's drFailover is told so. */
  requesterProven?: boolean;
}
