// Stubs for drEvacuate's tests: several pairs, each with its own world (stubs/activities.ts), behind one set of
// activities that answers by the pair each call names. The evacuation's own activities that read the runs (progress,
// the members' release check) are the REAL ones: they query the real runs on the test server.
import type { KdrActivities } from '../../../activities';
import { evacuationActivities } from '../../../activities/evacuate';
import type { ActivityDeps } from '../../../activities/deps';
import type { PairConfig } from '../../../src/config';
import type { PairFacts, PairBlocker } from '../../../src/evacuation/types';
import type { RunEvent } from '../../../src/notify/events';
import { parityReport } from '../../../src/parity/report';
import { newWorld, worldStubs, type Stubs, type World } from '../runbooks/stubs/activities';

export interface Estate {
  pairs: PairConfig[];
  worlds: Map<string, World>;
  /** Every notification the evacuation sent, in order. */
  events: { event: RunEvent; member?: string }[];
  facts: PairFacts[];
  blockers: PairBlocker[];
  evacuationPolicy: PairFacts['approval'] | null;
  running: string[];
}

export function estate(
  pairs: { pair: PairConfig; zone?: string; region?: string; tier?: number; labels?: string[] }[],
): Estate {
  return {
    pairs: pairs.map((p) => p.pair),
    worlds: new Map(pairs.map((p) => [p.pair.name, newWorld(p.pair)])),
    events: [],
    facts: pairs.map((p) => ({
      name: p.pair.name,
      tier: p.tier ?? 9,
      labels: p.labels ?? [],
      replication: p.pair.replication.provider,
      approval: p.pair.approval,
      parityFailover: p.pair.parity.failover,
      ...(p.region ? { region: p.region } : {}),
      ...(p.zone ? { zone: p.zone, zoneFrom: 'pairs file' as const } : {}),
    })),
    blockers: [],
    evacuationPolicy: null,
    running: [],
  };
}

const nameOf = (arg: unknown): string | undefined =>
  typeof arg === 'string'
    ? arg
    : arg && typeof arg === 'object' && 'name' in arg
      ? String((arg as { name: unknown }).name).replace(/_reverse$/, '')
      : undefined;

/** One set of activities for the whole estate; `overrides` per pair name steer one pair (a broken reset ...). */
export function estateStubs(e: Estate, overrides: Record<string, Stubs> = {}): Stubs {
  const perPair = new Map(e.pairs.map((p) => [p.name, worldStubs(p, e.worlds.get(p.name)!, overrides[p.name] ?? {})]));
  const first = perPair.get(e.pairs[0].name)!;
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(first)) {
    merged[key] = async (...args: unknown[]) => {
      const name = nameOf(args[0]);
      const stubs = (name && perPair.get(name)) || first;
      const fn = stubs[key as keyof Stubs] as (...a: unknown[]) => Promise<unknown>;
      e.worlds.get(name ?? '')?.calls.push({ name: key });
      return fn(...args);
    };
  }
  const real = evacuationActivities({
    env: {},
    pairs: () => new Map(e.pairs.map((p) => [p.name, p])),
  } as unknown as ActivityDeps);
  const evacuation: Partial<KdrActivities> = {
    async checkParity(_p, direction = 'forward', target = 'secondary') {
      return parityReport(direction, target, []);
    },
    async evacuationInventory() {
      return { pairs: e.facts, policy: e.evacuationPolicy, targets: 1 };
    },
    async evacuationBlockers(names) {
      return { blockers: e.blockers.filter((b) => names.includes(b.pair)), evacuations: e.running };
    },
    evacuationProgress: real.evacuationProgress,
    confirmEvacuationRelease: real.confirmEvacuationRelease,
    async reportEvacuationEvents(events) {
      e.events.push(...events);
      return { sent: events.map((x) => x.event.kind), failed: [] };
    },
    async reportRunEvent(event) {
      // A member of an evacuation never reports on its own: counted here so a test sees it if one did.
      e.events.push({ event, member: 'member-reported-itself' });
      return { sent: [], failed: [] };
    },
  };
  return { ...(merged as Stubs), ...evacuation };
}
