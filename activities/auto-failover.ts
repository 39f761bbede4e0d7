// The automatic failover's side effects: report an event (page the pair's targets, count it), tell the watch where
// the pair is in its DR cycle, and let drFailover check that the policy may stand in for a person's approval. The
// policy is read from the worker's own pairs file here, never from a workflow input or an inline config.
import { Context } from '@temporalio/activity';
import type { AutoFailoverConfig, PairConfig } from '../src/config';
import { sameHost } from '../src/config';
import type { AutoFailoverEvent } from '../src/auto-failover/events';
import { pagesSomeone } from '../src/auto-failover/events';
import type { PairSituation } from '../src/auto-failover/decide';
import { observeAutoFailover } from '../src/metrics/auto-failover';
import type { NotifyOutcome } from '../src/notify/events';
import type { ActivityDeps } from './deps';
import { dnsActivities } from './dns';
import { notifier } from './run-events';

/** Whether the policy may approve this run, and if not why (the run then waits for a person as usual). */
export type AutoPolicyVerdict = { ok: true; policy: AutoFailoverConfig } | { ok: false; reason: string };

export function autoFailoverActivities(deps: ActivityDeps) {
  const notify = notifier(deps);
  const { readCname } = dnsActivities(deps);

  async function running(type: 'drFailover' | 'drFailback', pair: string): Promise<string[]> {
    const { client, info } = Context.current();
    const own = info.workflowExecution?.workflowId;
    const query = `WorkflowType = '${type}' AND ExecutionStatus = 'Running' AND DrPair = '${pair.replace(/'/g, '')}'`;
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query })) if (w.workflowId !== own) ids.push(w.workflowId);
    return ids;
  }

  return {
    /** Counts the event and, for those worth a person's attention, pages the pair's targets. Never throws. */
    async reportAutoFailover(event: AutoFailoverEvent): Promise<NotifyOutcome> {
      observeAutoFailover(event);
      if (!pagesSomeone(event)) return { sent: [], failed: [] };
      return notify(event);
    },

    /**
     * Where the pair is in its DR cycle, for the watch's decision: a failover or failback running, or the custom
     * domain already on the secondary. Asked only when a probe sees the primary down.
     */
    async autoFailoverSituation(pair: PairConfig): Promise<{ situation: PairSituation; detail: string }> {
      const failovers = await running('drFailover', pair.name);
      if (failovers.length) return { situation: 'failing-over', detail: `running: ${failovers.join(', ')}` };
      const failbacks = await running('drFailback', pair.name);
      if (failbacks.length) return { situation: 'failing-back', detail: `running: ${failbacks.join(', ')}` };
      const cname = await readCname(pair);
      if (sameHost(cname.target, pair.secondary.endpointHost))
        return { situation: 'failed-over', detail: `${cname.domain} points at ${cname.target}` };
      return { situation: 'protected', detail: `${cname.domain} points at ${cname.target ?? '(no record)'}` };
    },

    /**
     * May the automatic failover policy stand in for the approval of this drFailover? Only when the worker's pairs
     * file enables it for the pair and the run's parent is a running drWatch (the workflow checks that the parent is
     * the pair's own watch by id). `parent` is the run's workflowInfo().parent: set by Temporal, not by the starter.
     */
    async autoFailoverPolicy(
      pairName: string,
      parent: { workflowId: string; runId: string },
    ): Promise<AutoPolicyVerdict> {
      const config = deps.pairs().get(pairName);
      if (!config) return { ok: false, reason: `pair ${pairName} is not in the worker's pairs file` };
      if (!config.autoFailover?.enabled)
        return { ok: false, reason: `autoFailover is not enabled for pair ${pairName} in the worker's pairs file` };
      const described = await Context.current().client.workflow.getHandle(parent.workflowId, parent.runId).describe();
      // The watch continues as new (its run that started this one may have handed over since): still the watch.
      // Stopped, cancelled or terminated, a person ended it: no failover on its word.
      if (described.type !== 'drWatch' || !['RUNNING', 'CONTINUED_AS_NEW'].includes(described.status.name))
        return {
          ok: false,
          reason:
            `the parent ${parent.workflowId} is a ${described.type} run (${described.status.name.toLowerCase()}), ` +
            "not the pair's running drWatch",
        };
      return { ok: true, policy: config.autoFailover };
    },
  };
}
