// Pieces drSetup and drFailover share: resolving the pair, judging the canary, waiting for DNS.
import { sleep } from '@temporalio/workflow';
import { sameHost, type PairConfig } from '../src/config';
import type { KdrActivities } from '../activities';
import { stepFailure, type StepContext } from './runner';
import { acts } from './acts';

type Activities = KdrActivities;
type Canary = Awaited<ReturnType<Activities['runCanary']>>;
type Lag = Awaited<ReturnType<Activities['replicationLag']>>;
type Answers = Awaited<ReturnType<Activities['queryResolvers']>>;

/** The inline config as given, or the named pair from the worker's pairs file. */
export async function resolvePair(
  step: StepContext,
  input: { pair?: string; config?: PairConfig },
): Promise<PairConfig> {
  if (input.config) {
    // Only the worker decides whether an inline config may be used, and with which hosts and secret names.
    const admitted = await acts(step).admitInlineConfig(input.config);
    step.summary(`inline config for pair ${admitted.name} (admitted by the worker)`);
    return admitted;
  }
  const pair = await acts(step).resolvePair(input.pair as string);
  step.summary(
    `pair ${pair.name} from the worker's pairs file: ${pair.primary.provider} -> ${pair.secondary.provider} via ${pair.replication.provider}`,
  );
  return pair;
}

/** Pass or block connector-verify against the pair's thresholds. */
export function verdictOfCanary(pair: PairConfig, canary: Canary, lag: Lag): { ok: boolean; summary: string } {
  const t = pair.replication.thresholds;
  const problems: string[] = [];
  if (canary.received < canary.produced) {
    problems.push(
      `${canary.produced - canary.received}/${canary.produced} canary records did not reach the secondary within ${t.canaryTimeoutMs} ms`,
    );
  }
  if (canary.latencyMs && canary.latencyMs.max > t.maxLatencyMs) {
    problems.push(`replication latency ${canary.latencyMs.max} ms above maxLatencyMs ${t.maxLatencyMs}`);
  }
  if (!lag.caughtUp) {
    const worst = lag.worst.map((p) => `${p.topic}[${p.partition}] ${p.lag}`).join(', ');
    problems.push(`secondary behind by ${lag.totalLag} records (maxLagRecords ${t.maxLagRecords}; worst: ${worst})`);
  }
  const figures = `canary ${canary.received}/${canary.produced}, latency p50 ${canary.latencyMs?.p50 ?? '-'} ms max ${canary.latencyMs?.max ?? '-'} ms, lag ${lag.totalLag}`;
  return problems.length
    ? { ok: false, summary: `${problems.join('; ')} (${figures})` }
    : { ok: true, summary: figures };
}

/** Quick checks right after the change (most resolvers follow at once), and checks after the TTL has passed. */
const FIRST_CHECKS = 5;
const LATE_CHECKS = 10;
const LATE_EVERY_MS = 2_000;

/**
 * Asks the pair's resolvers until every one answers `target`. The history stays bounded for any TTL: a few
 * quick checks, then one timer until the TTL has passed since the change (caches expire on their own by then),
 * then a bounded number of checks. With `acceptAfterTtl` (failover) the wait ends once at least one resolver
 * answers the target after the TTL, naming the ones that do not; it blocks when none does. Without it
 * (setup) every resolver must answer.
 */
export async function waitForDns(
  step: StepContext,
  pair: PairConfig,
  target: string,
  options: { acceptAfterTtl?: boolean } = {},
): Promise<{ answers: Answers; summary: string }> {
  const { queryResolvers } = acts(step);
  const ttlMs = pair.dns.ttl * 1000;
  const started = Date.now();
  const describe = (answers: Answers) =>
    answers
      .filter((a) => !sameHost(a.target, target))
      .map((s) => `${s.resolver}: ${s.target ?? s.error}`)
      .join('; ');
  let answers: Answers = [];
  for (let i = 0; i < FIRST_CHECKS; i++) {
    answers = await queryResolvers(pair);
    if (answers.every((a) => sameHost(a.target, target)))
      return { answers, summary: `all ${answers.length} resolver(s) answer ${target}` };
    if (i < FIRST_CHECKS - 1) await sleep(1_000, { summary: `waiting for resolvers to answer ${target}` });
  }
  const remaining = ttlMs - (Date.now() - started);
  if (remaining > 0)
    await sleep(remaining, { summary: `waiting ${pair.dns.ttl}s (the record's TTL) for resolver caches to expire` });
  for (let i = 0; i < LATE_CHECKS; i++) {
    answers = await queryResolvers(pair);
    const following = answers.filter((a) => sameHost(a.target, target));
    if (following.length === answers.length)
      return { answers, summary: `all ${answers.length} resolver(s) answer ${target}` };
    if (options.acceptAfterTtl && following.length > 0 && i === LATE_CHECKS - 1) {
      return {
        answers,
        summary: `TTL ${pair.dns.ttl}s passed; ${following.length}/${answers.length} resolver(s) answer ${target}; still stale: ${describe(answers)}`,
      };
    }
    if (i < LATE_CHECKS - 1)
      await sleep(LATE_EVERY_MS, { summary: `checking resolvers after the TTL (${i + 1}/${LATE_CHECKS})` });
  }
  throw stepFailure(
    'DnsNotPropagated',
    `no ${options.acceptAfterTtl ? '' : 'full '}agreement on ${target} ${pair.dns.ttl}s (TTL) + ` +
      `${(LATE_CHECKS * LATE_EVERY_MS) / 1000}s after the change: ${describe(answers)}. Check dns.resolvers of pair ${pair.name} ` +
      `(they must serve ${pair.dns.domain}) and the record in Alibaba Cloud DNS; resolve retry checks again`,
  );
}
