// Pieces drSetup and drFailover share: resolving the pair, judging the canary, waiting for DNS.
import { ApplicationFailure } from '@temporalio/workflow';
import type { PairConfig } from '../src/config';
import type { KdrActivities } from '../activities';
import { pollUntil, type StepContext } from './runner';

type Activities = KdrActivities;
type Canary = Awaited<ReturnType<Activities['runCanary']>>;
type Lag = Awaited<ReturnType<Activities['replicationLag']>>;
type Answers = Awaited<ReturnType<Activities['queryResolvers']>>;

/** The inline config as given, or the named pair from the worker's pairs file. */
export async function resolvePair(step: StepContext, input: { pair?: string; config?: PairConfig }): Promise<PairConfig> {
  if (input.config) {
    step.summary(`inline config for pair ${input.config.name}`);
    return input.config;
  }
  const pair = await step.activities<Activities>().resolvePair(input.pair as string);
  step.summary(`pair ${pair.name} from the worker's pairs file: ${pair.primary.provider} -> ${pair.secondary.provider} via ${pair.replication.provider}`);
  return pair;
}

/** Pass or block connector-verify against the pair's thresholds. */
export function verdictOfCanary(pair: PairConfig, canary: Canary, lag: Lag): { ok: boolean; summary: string } {
  const t = pair.replication.thresholds;
  const problems: string[] = [];
  if (canary.received < canary.produced) {
    problems.push(`${canary.produced - canary.received}/${canary.produced} canary records did not reach the secondary within ${t.canaryTimeoutMs} ms`);
  }
  if (canary.latencyMs && canary.latencyMs.max > t.maxLatencyMs) {
    problems.push(`replication latency ${canary.latencyMs.max} ms above maxLatencyMs ${t.maxLatencyMs}`);
  }
  if (!lag.caughtUp) {
    const worst = lag.worst.map((p) => `${p.topic}[${p.partition}] ${p.lag}`).join(', ');
    problems.push(`secondary behind by ${lag.totalLag} records (maxLagRecords ${t.maxLagRecords}; worst: ${worst})`);
  }
  const figures = `canary ${canary.received}/${canary.produced}, latency p50 ${canary.latencyMs?.p50 ?? '-'} ms max ${canary.latencyMs?.max ?? '-'} ms, lag ${lag.totalLag}`;
  return problems.length ? { ok: false, summary: `${problems.join('; ')} (${figures})` } : { ok: true, summary: figures };
}

const sameHost = (a: string | null, b: string) => a !== null && a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();

/**
 * Asks the pair's resolvers until every one answers `target`. With `acceptAfterTtl` (failover) the wait also
 * ends when the record's TTL has passed since the change, since caches then expire on their own; otherwise a
 * resolver that never answers blocks the step.
 */
export async function waitForDns(step: StepContext, pair: PairConfig, target: string, options: { acceptAfterTtl?: boolean } = {}):
  Promise<{ answers: Answers; summary: string }> {
  const { queryResolvers } = step.activities<Activities>();
  const ttlMs = pair.dns.ttl * 1000;
  const within = Math.max(ttlMs + 5_000, 15_000);
  const started = Date.now();
  try {
    return await pollUntil<{ answers: Answers; summary: string }, string>(async () => {
      const answers = await queryResolvers(pair);
      const stale = answers.filter((a) => !sameHost(a.target, target));
      if (stale.length === 0) return { done: { answers, summary: `all ${answers.length} resolver(s) answer ${target}` } };
      if (options.acceptAfterTtl && Date.now() - started >= ttlMs) {
        return { done: { answers, summary: `TTL ${pair.dns.ttl}s passed; ${stale.length} resolver(s) still answer ${stale.map((s) => s.target ?? s.error).join(', ')}` } };
      }
      return { observed: stale.map((s) => `${s.resolver}: ${s.target ?? s.error}`).join('; ') };
    }, { what: `resolvers to answer ${target}`, every: '1s', within });
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'WaitTimedOut') {
      throw ApplicationFailure.nonRetryable(`${err.message}. Check dns.resolvers of pair ${pair.name} (they must serve ${pair.dns.domain})`, 'DnsNotPropagated');
    }
    throw err;
  }
}
