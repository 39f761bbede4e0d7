// drWatch: one long-running run per pair (workflow id dr-watch-<pair>; kdr-watch-<pair> when started before the
// one id scheme). Every interval one activity measures replication health and stores a snapshot of every group's
// position on the secondary, so a failover with the primary gone still knows where each group stood. The history
// holds only small summaries and continues as new long before it grows; the health, since when and why, survive that.
import {
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  StopWatchPayloadSchema,
  WatchInputSchema,
  WatchStartSchema,
  validate,
  type HealthValue,
  type PairConfig,
  type WatchInput,
  type WatchState,
} from '../src/config';
import type { KdrActivities } from '../activities';
import type { WatchTick } from '../activities/watch';
import { pauseAutoFailoverSignal, resumeAutoFailoverSignal, stopWatchSignal, watchQuery } from './contract';
import { DrHealthKey, DrPairKey, stepFailure } from './runner';
import { watchMarkdown, type WatchStatus } from './watch-view';
import { notableChange, reportHealth } from './notify';
import { decisionGuard } from './approval-policy';
import { refuseStop, type StopRequest } from './watch-stop';
import { autoFailoverCheck } from './auto-failover-watch';
import { autoFailoverAct, type AutoControl } from './auto-failover-act';
import { applyControl, type ControlAction } from './auto-control';

/** ~11 events per check: 500 checks stay far below Temporal's 10,000-event suggestion (and 42 min at 5 s). */
export const CONTINUE_AS_NEW_EVERY = 500;
const MAX_TRANSITIONS = 20;

export interface WatchResult {
  pair: string;
  health: HealthValue;
  since: number;
  ticks: number;
  stoppedBy: string;
}

export async function drWatch(raw: unknown): Promise<WatchResult> {
  let stop: { by: string; reason?: string; at: number } | undefined;
  let status: WatchStatus | undefined;
  // A signed pair's stops are judged once the pair is known (watch-stop.ts); until then they wait in `early`.
  let judgeStop: ((request: StopRequest) => Promise<string | undefined>) | undefined;
  let stopRefused: WatchStatus['stopRefused'];
  let loaded = false;
  const early: unknown[] = [];
  const takeStop = async (payload: unknown) => {
    const checked = validate(StopWatchPayloadSchema, payload);
    if (!checked.ok) return;
    const problem = judgeStop ? await judgeStop(checked.value) : undefined;
    if (problem !== undefined) {
      stopRefused = { by: checked.value.by, reason: problem.slice(0, 600), at: Date.now() };
      if (status) status = { ...status, stopRefused };
      return;
    }
    stop ??= {
      by: checked.value.by,
      ...(checked.value.reason ? { reason: checked.value.reason } : {}),
      at: Date.now(),
    };
  };
  // Handlers first: a stop sent right after the start must not be lost.
  setHandler(stopWatchSignal, (payload) => (loaded ? takeStop(payload) : void early.push(payload)), {
    description:
      'Stop the watch: {"by": "<your name>", "reason": "..."} (a signed pair: kdr watch <pair> --stop --key <your key>)',
  });
  // kdr auto pause|resume: judged once the pair is known, like stops; until then they wait in `earlyControl`.
  let control: AutoControl = {};
  const controller: { take?: (action: ControlAction, payload: unknown) => Promise<void> } = {};
  const earlyControl: [ControlAction, unknown][] = [];
  const onControl = (action: ControlAction) => (payload: unknown) =>
    controller.take ? controller.take(action, payload) : void earlyControl.push([action, payload]);
  setHandler(pauseAutoFailoverSignal, onControl('pause'), {
    description:
      'Pause the automatic failover: {"by": "<you>", "reason": "..."}; the watch still decides, a person acts',
  });
  setHandler(resumeAutoFailoverSignal, onControl('resume'), {
    description:
      "Back to the pairs file's automatic failover policy: listed approvers only (signed pairs: kdr auto resume --key)",
  });
  setHandler(
    watchQuery,
    () => {
      if (!status) throw stepFailure('NotReady', 'the watch has not resolved its pair yet');
      return status;
    },
    { description: 'Health, since when and why, the last measurements and position snapshot' },
  );

  // Only a run that continues an earlier one may carry state; a start with it is refused (InvalidInput, naming "state").
  const continued = workflowInfo().continuedFromExecutionRunId !== undefined;
  const checked = validate(continued ? WatchInputSchema : WatchStartSchema, raw);
  if (!checked.ok) throw stepFailure('InvalidInput', checked.message);
  const input: WatchInput = checked.value;

  const { resolvePair, admitInlineConfig, searchAttributesMissing, readCname } = proxyActivities<KdrActivities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5, initialInterval: '1s', maximumInterval: '15s' },
  });
  // Only the worker decides whether an inline config may be used (as for drSetup and drFailover).
  const pair: PairConfig = input.config
    ? await admitInlineConfig(input.config)
    : await resolvePair(input.pair as string);
  upsertSearchAttributes([{ key: DrPairKey, value: pair.name }]);
  // Runs recorded before signed stops took any stop.
  const guard = decisionGuard(pair);
  if (guard.identity === 'signed' && patched('signed-watch-stop'))
    judgeStop = (request) => refuseStop(pair, request, guard, () => readCname(pair));
  loaded = true;
  for (const payload of early.splice(0)) await takeStop(payload);

  // A server without DrHealth would fail every workflow task that upserts it: then the details carry the health alone.
  const unregistered = patched('watch-checks-drhealth') ? await searchAttributesMissing([DrHealthKey.name]) : [];
  const healthAttribute = unregistered.length === 0;

  const interval = pair.watch.interval;
  // One attempt per check: the next check is the retry, and a slow check must not overlap the next one.
  const { watchTick } = proxyActivities<KdrActivities>({
    startToCloseTimeout: Math.max(60_000, interval * 2),
    retry: { maximumAttempts: 1 },
  });

  const now = Date.now();
  const state: WatchState = input.state
    ? { ...input.state, runs: input.state.runs + 1 }
    : { health: 'unknown', since: now, why: 'starting', startedAt: now, ticks: 0, runs: 1, transitions: [] };
  status = { ...state, pair: pair.name, intervalMs: interval, ...(healthAttribute ? {} : { unregistered }) };
  let publishedHealth: HealthValue | undefined =
    input.state && input.state.health !== 'unknown' ? input.state.health : undefined;
  if (publishedHealth && healthAttribute) upsertSearchAttributes([{ key: DrHealthKey, value: publishedHealth }]);

  const publish = (last?: WatchTick) => {
    status = {
      ...state,
      pair: pair.name,
      intervalMs: interval,
      ...(last ? { last } : status?.last ? { last: status.last } : {}),
      ...(stop ? { stopped: stop } : {}),
      ...(stopRefused ? { stopRefused } : {}),
      ...(healthAttribute ? {} : { unregistered }),
      ...(control.paused || control.audit ? { autoControl: control } : {}),
    };
    setCurrentDetails(watchMarkdown(status, Date.now()));
    if (healthAttribute && state.health !== 'unknown' && state.health !== publishedHealth) {
      publishedHealth = state.health;
      upsertSearchAttributes([{ key: DrHealthKey, value: state.health }]);
    }
  };

  const judge = (health: HealthValue, why: string) => {
    if (health !== state.health) {
      state.transitions = [
        ...state.transitions,
        { at: Date.now(), from: state.health, to: health, why: why.slice(0, 600) },
      ].slice(-MAX_TRANSITIONS);
      state.health = health;
      state.since = Date.now();
    }
    state.why = (why || 'every check passed').slice(0, 600);
  };
  publish();
  control = {
    ...(input.state?.auto?.paused ? { paused: input.state.auto.paused } : {}),
    ...(input.state?.auto?.audit ? { audit: input.state.auto.audit } : {}),
  };
  const takeControl = async (action: ControlAction, payload: unknown) => {
    await applyControl(pair, guard, control, action, payload, Date.now());
    // Shown at once (query watch, details), carried by the next check's state and across continue-as-new.
    if (state.auto) {
      const { paused: _was, audit: _audit, ...rest } = state.auto;
      state.auto = {
        ...rest,
        ...(control.paused ? { paused: control.paused } : {}),
        ...(control.audit ? { audit: control.audit } : {}),
      };
    }
    publish();
  };
  controller.take = takeControl;
  for (const [action, payload] of earlyControl.splice(0)) await takeControl(action, payload);

  try {
    for (let i = 0; !stop; i++) {
      const canaryDue = state.lastCanaryAt === undefined || Date.now() - state.lastCanaryAt >= pair.watch.canaryEvery;
      let tick: WatchTick | undefined;
      const before = state.health;
      try {
        tick = await watchTick(pair, { canary: canaryDue });
      } catch (err) {
        if (isCancellation(err)) throw err;
        // The activity fails only when the secondary itself cannot be read: nothing could take over now.
        judge('broken', `check failed: ${(err as Error).message}`);
      }
      state.ticks++;
      if (tick) {
        if (tick.canary) state.lastCanaryAt = tick.at;
        judge(tick.health, tick.reasons.join('; ') || 'every check passed');
      }
      // Only pairs whose pairs file enables it (no recorded history had the policy): new commands on a new path.
      if (pair.autoFailover?.enabled && patched('auto-failover'))
        // The watch acts (probes, failover, pages) on a new path; runs recorded before it only decided.
        state.auto = patched('auto-failover-acts')
          ? await autoFailoverAct({
              pair,
              policy: pair.autoFailover,
              previous: state.auto,
              tick,
              control,
              fromFile: input.config === undefined,
            })
          : autoFailoverCheck(pair.autoFailover, state.auto, tick, Date.now());
      publish(tick);
      if (notableChange(before, state.health)) {
        const problem = await reportHealth({
          kind: 'health-changed',
          pair: pair.name,
          from: before,
          to: state.health,
          why: state.why,
          at: state.since,
        });
        // Shown until the next check: the failed page is also counted in kdr_notifications_total.
        if (problem) {
          state.why = `${state.why}; ${problem}`.slice(0, 600);
          publish(tick);
        }
      }
      if (stop) break;
      if (i + 1 >= (input.continueAsNewEvery ?? CONTINUE_AS_NEW_EVERY) || workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof drWatch>({
          ...(input.config ? { config: input.config } : { pair: pair.name }),
          ...(input.continueAsNewEvery ? { continueAsNewEvery: input.continueAsNewEvery } : {}),
          state,
        });
      }
      await condition(() => stop !== undefined, interval);
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled (Temporal UI, tctl): the details say so after the run has ended.
      stop ??= { by: 'cancellation', at: Date.now() };
      publish();
    }
    throw err;
  }
  publish();
  return {
    pair: pair.name,
    health: state.health,
    since: state.since,
    ticks: state.ticks,
    stoppedBy: stop?.by ?? 'unknown',
  };
}
