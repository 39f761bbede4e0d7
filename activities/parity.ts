// Parity between the two sides of a pair (src/parity/model.ts): check it, and make the target side serve the
// source side's clients (sync). Forward: the primary's clients on the secondary; reverse (drFailback's re-protect):
// the active side's clients on the old primary. Each side is read through its provider: the Kafka Admin API for
// self-managed Kafka, the ApsaraMQ API for an instance. Passwords are read here only, from the variables the pair
// names (parity.users), and never returned, logged or put in an error.
import { Context } from '@temporalio/activity';
import type { ClusterConfig, PairConfig } from '../src/config';
import { reversedPair } from '../src/config/reverse-pair';
import {
  compareParity,
  userSecretVar,
  type FixTarget,
  type ParityConfigName,
  type ParityGap,
} from '../src/parity/model';
import { parityReport, uncheckedReport, type ParityDirection, type ParityReport } from '../src/parity/report';
import { scopeSnapshot } from '../src/parity/scope';
import { parityProvider } from './parity-providers';
import type { ActivityDeps } from './deps';
import { replicatedTopics, withAdmin } from './sessions';
import { providerFor, replicationSpec } from './replication';

/** Topic configs MirrorMaker 2 copies itself (sync.topic.configs; min.insync.replicas is in its default exclude list). */
const MM2_SYNCED: ReadonlySet<ParityConfigName> = new Set([
  'retention.ms',
  'retention.bytes',
  'cleanup.policy',
  'max.message.bytes',
  'compression.type',
]);
/** How long a sync waits for MirrorMaker 2's own topic-config sync before it reports what is still different. */
export const MM2_WAIT_MS = 90_000;
const MM2_POLL_MS = 3_000;

export interface ParityItem {
  kind: ParityGap['kind'];
  item: string;
}
export interface ParitySyncReport {
  direction: ParityDirection;
  /** What this call changed on the target side (idempotent: a second call finds nothing to change). */
  applied: (ParityItem & { action: string })[];
  /** What it could not do, each naming the item and what to fix (nothing is half-done without being listed). */
  failed: (ParityItem & { error: string })[];
  /** Topic configs MirrorMaker 2 aligned itself while the sync waited (`topic/config`). */
  byMirrorMaker: string[];
  /** The check after the changes. */
  after: ParityReport;
}

interface Sides {
  source: ClusterConfig;
  target: ClusterConfig;
  label: string;
  pair: PairConfig;
}

function sidesOf(pair: PairConfig, direction: ParityDirection): Sides {
  const p = direction === 'forward' ? pair : reversedPair(pair);
  return {
    source: p.primary,
    target: p.secondary,
    label: direction === 'forward' ? 'secondary' : 'old primary',
    pair: p,
  };
}

function fixTarget(c: ClusterConfig): FixTarget {
  return c.provider === 'apsaramq'
    ? { provider: 'alikafka', regionId: c.region, instanceId: c.instanceId }
    : {
        provider: 'kafka',
        bootstrap: c.bootstrapServers.join(','),
        ...(c.security ? { commandConfig: '<client.properties with the admin user>' } : {}),
      };
}

/** Removes every secret value from a message before it leaves the activity. */
function redact(message: string, secrets: Iterable<string>): string {
  let out = message;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('<redacted>');
  return out.length > 400 ? `${out.slice(0, 397)}...` : out;
}

/** Both sides read and compared, scoped to the pair's topics, groups and users (src/parity/scope.ts). */
async function compare(
  deps: ActivityDeps,
  pair: PairConfig,
  direction: ParityDirection,
): Promise<{ gaps: ParityGap[]; sides: Sides; topics: string[] }> {
  const sides = sidesOf(pair, direction);
  const { source, target } = sides;
  return withAdmin(deps, source, 'parity-source', async (src) =>
    withAdmin(deps, target, 'parity-target', async (dst) => {
      const topics = (await replicatedTopics(src, sides.pair)).filter((t) => t !== pair.replication.canaryTopic);
      const [ps, ts] = await Promise.all([
        parityProvider(deps, source, src).read(topics),
        parityProvider(deps, target, dst).read(topics),
      ]);
      const scope = { topics, groups: pair.groups, users: pair.parity.users.map((u) => u.name) };
      // What the pair's owner accepted (parity.accept) is neither a gap to block on nor one to create.
      const accepted = new Set(pair.parity.accept);
      const gaps = compareParity(scopeSnapshot(ps, scope), scopeSnapshot(ts, scope), {
        topics,
        target: fixTarget(target),
      }).filter((g) => !accepted.has(g.item));
      return { gaps, sides, topics };
    }),
  );
}

/** The parity report of a pair in one direction; a side that cannot be read gives an unchecked report (never throws). */
export async function checkPairParity(
  deps: ActivityDeps,
  pair: PairConfig,
  direction: ParityDirection,
  target?: string,
): Promise<ParityReport> {
  const label = target ?? sidesOf(pair, direction).label;
  try {
    const { gaps } = await compare(deps, pair, direction);
    return parityReport(direction, label, gaps);
  } catch (err) {
    return uncheckedReport(direction, label, (err as Error).message);
  }
}

export function parityActivities(deps: ActivityDeps) {
  const check = (pair: PairConfig, direction: ParityDirection, target?: string) =>
    checkPairParity(deps, pair, direction, target);

  return {
    /**
     * Every gap between the source side and the target side (bounded list), or why they could not be read.
     * `target` names the target side in the report's sentence (default: "secondary", or "old primary" in reverse).
     */
    async checkParity(
      pair: PairConfig,
      direction: ParityDirection = 'forward',
      target?: string,
    ): Promise<ParityReport> {
      return check(pair, direction, target);
    },

    /**
     * Creates the missing users (passwords from parity.users' variables) and ACLs and aligns topic settings on the
     * target side, one item at a time so each outcome is known; leaves topic configs to MirrorMaker 2 where it syncs
     * them and waits for it; then checks again. Items it must not or cannot do are listed in `failed`.
     */
    async syncParity(pair: PairConfig, direction: ParityDirection = 'forward'): Promise<ParitySyncReport> {
      const { gaps, sides, topics } = await compare(deps, pair, direction);
      const applied: ParitySyncReport['applied'] = [];
      const failed: ParitySyncReport['failed'] = [];
      const toMirrorMaker: string[] = [];
      const secrets: Record<string, string> = {};
      const todo: ParityGap[] = [];
      for (const g of gaps) {
        const change = g.change;
        if (!change) {
          failed.push({ kind: g.kind, item: g.item, error: `not changed automatically (${g.why}): ${g.fix}` });
        } else if (change.op === 'create-user') {
          const declared = pair.parity.users.find((u) => u.name === change.user);
          if (!declared) {
            failed.push({
              kind: g.kind,
              item: g.item,
              error:
                `not in the pair's parity.users: add { "name": "${change.user}", "mechanism": "${change.mechanism}", ` +
                '"passwordEnv": "<the worker\'s variable holding its password>" }',
            });
          } else if (declared.mechanism !== change.mechanism) {
            failed.push({
              kind: g.kind,
              item: g.item,
              error:
                `parity.users gives mechanism ${declared.mechanism}, the ${direction === 'forward' ? 'primary' : 'active side'} ` +
                `uses ${change.mechanism}: fix parity.users`,
            });
          } else {
            const value = deps.env[declared.passwordEnv];
            if (value === undefined || value === '') {
              failed.push({
                kind: g.kind,
                item: g.item,
                error:
                  `variable ${declared.passwordEnv} (parity.users, user ${change.user}) is not set on the worker: ` +
                  'set it, then resolve retry',
              });
            } else {
              secrets[change.user] = value;
              todo.push(g);
            }
          }
        } else if (
          change.op === 'set-topic-config' &&
          pair.replication.provider === 'kafka-connect' &&
          MM2_SYNCED.has(change.name)
        ) {
          // MirrorMaker 2 copies these itself (sync.topic.configs): writing them too would race its sync. Verified below.
          toMirrorMaker.push(g.item);
        } else {
          todo.push(g);
        }
      }

      const values = Object.values(secrets);
      const byVar = new Map(Object.entries(secrets).map(([user, value]) => [userSecretVar(user), value]));
      if (todo.length > 0) {
        Context.current().heartbeat({ applying: todo.length });
        const outcome = await withAdmin(deps, sides.target, 'parity-apply', (session) =>
          parityProvider(deps, sides.target, session).apply(todo, (name) => byVar.get(name)),
        );
        for (const d of outcome.done) applied.push({ kind: d.kind, item: d.item, action: redact(d.detail, values) });
        for (const f of outcome.failed)
          failed.push({
            kind: f.kind,
            item: f.item,
            error: `the ${sides.label} refused it: ${redact(f.detail, values)}`,
          });
        for (const m of outcome.manual)
          failed.push({ kind: m.kind, item: m.item, error: `not changed automatically: ${redact(m.detail, values)}` });
      }

      // MirrorMaker 2 syncs at its start and every sync.topic.configs.interval.seconds (600 s by default): waited
      // for only while it runs (a stopped or absent connector syncs nothing).
      const mm2 =
        toMirrorMaker.length === 0
          ? 'idle'
          : await providerFor(deps, sides.pair)
              .state(replicationSpec(sides.pair, [...topics, pair.replication.canaryTopic], deps.env))
              .then(
                (st) => st.state,
                (err: Error) => `unknown (${err.message})`,
              );
      let after = await check(pair, direction);
      const pending = () =>
        toMirrorMaker.filter((item) => after.gaps.some((x) => x.kind === 'topic-config' && x.item === item));
      const until = Date.now() + MM2_WAIT_MS;
      while (
        mm2 === 'running' &&
        after.checked &&
        pending().length > 0 &&
        after.total <= after.gaps.length &&
        Date.now() < until
      ) {
        Context.current().heartbeat({ waitingFor: 'MirrorMaker 2 topic config sync', pending: pending().slice(0, 5) });
        await new Promise((r) => setTimeout(r, MM2_POLL_MS));
        after = await check(pair, direction);
      }
      const still = new Set(pending());
      for (const item of still) {
        failed.push({
          kind: 'topic-config',
          item,
          error:
            mm2 === 'running'
              ? `MirrorMaker 2 has not synced it within ${MM2_WAIT_MS / 1000} s (it syncs topic configs every ` +
                'sync.topic.configs.interval.seconds, 600 s by default, and only configs set on the primary): resolve retry later, or set it by hand'
              : `left to MirrorMaker 2 (sync.topic.configs), whose connector is ${mm2}: run it (drSetup), or set it by hand`,
        });
      }
      return { direction, applied, failed, byMirrorMaker: toMirrorMaker.filter((i) => !still.has(i)), after };
    },
  };
}
