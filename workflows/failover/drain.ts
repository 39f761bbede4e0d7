// Switchover drain (after the CNAME moved): wait for the primary to go quiet (no writes, no members in the planned
// groups), then for replication to be provably complete, then pause it. Its result feeds the final plan.
import type { FailoverInput, PairConfig } from '../../src/config';
import { formatDuration } from '../../src/config';
import type { KdrActivities } from '../../activities';
import { pollUntil, stepFailure, type StepContext } from '../runner';
import { acts } from '../acts';

export interface DrainScope {
  pair: PairConfig;
  topics: Parameters<KdrActivities['primaryQuiet']>[1];
  groups: string[];
  /** The custom domain the clients follow. */
  domain: string;
  switchover: FailoverInput['switchover'];
  /** The secondary's log ends read before the switch. */
  preSwitchEnds: Parameters<KdrActivities['replicationComplete']>[2];
}

export async function drain(step: StepContext, scope: DrainScope) {
  const { pair, topics, groups, domain, switchover, preSwitchEnds } = scope;
  const { primaryQuiet, replicationComplete, pauseReplication } = acts(step);
  const quietWindow = switchover.quietWindow;
  step.summary(
    `NOW: restart producers (they follow ${domain} to the secondary) and STOP the consumers of ${groups.length} group(s) ` +
      `(${groups.slice(0, 5).join(', ')}${groups.length > 5 ? ', …' : ''}); they start again after the final plan. ` +
      'Replication keeps running until the primary is quiet.',
  );
  let checks = 0;
  type Quiet = Awaited<ReturnType<typeof primaryQuiet>>;
  await pollUntil<Quiet, string>(
    async () => {
      checks++;
      const q = await primaryQuiet(pair, topics, groups, quietWindow);
      if (q.quiet) return { done: q };
      const writes = q.moving.map((m) => `${m.topic}[${m.partition}] +${m.records}`).join(', ');
      const members = q.groupsWithMembers.map((g) => `${g.group} (${g.members}: ${g.clients.join(', ')})`).join('; ');
      const observed = [
        writes && `still written on the primary: ${writes}`,
        members && `groups still consuming there: ${members}`,
      ]
        .filter(Boolean)
        .join('; ');
      step.summary(
        `NOW: restart producers, stop consumers. Waiting for the primary to go quiet (${formatDuration(quietWindow)} without writes): ${observed}`,
      );
      return { observed };
    },
    {
      what: 'the primary to go quiet (no writes, no members in the planned groups)',
      every: '1s',
      within: switchover.timeout,
    },
  );
  type Complete = Awaited<ReturnType<typeof replicationComplete>>;
  const complete = await pollUntil<Complete, string>(
    async () => {
      const c = await replicationComplete(pair, topics, preSwitchEnds);
      if (!c.provable) {
        throw stepFailure(
          'ReplicationUnprovable',
          `replication cannot be shown complete: ${c.reason ?? 'no identity to compare'}. ` +
            'The CNAME already points at the secondary and the approved plan is applied; nothing else was changed.',
        );
      }
      return c.complete
        ? { done: c }
        : {
            observed: c.missing
              .map((m) => `${m.topic}[${m.partition}] (primary end ${m.primaryEnd}${m.reason ? `: ${m.reason}` : ''})`)
              .join(', '),
          };
    },
    {
      what: "every partition's newest primary record to be on the secondary",
      every: '2s',
      within: switchover.timeout,
    },
  );
  const paused = await pauseReplication(pair, topics);
  const written = complete.postSwitch.filter(([, , firstNew, replicatedEnd]) => firstNew < replicatedEnd).length;
  step.summary(
    `primary quiet after ${checks} check(s); every partition's newest record found on the secondary; ` +
      `${written} partition(s) with application records between the copies; ${complete.notes.join('; ')}; connector ${paused.id} ${paused.state}`,
  );
  return {
    connector: `${paused.id} ${paused.state}`,
    quietAfterChecks: checks,
    tails: complete.tails,
    postSwitch: complete.postSwitch,
  };
}
