// drFailback's first stages: assess what the old primary holds that the secondary never received (changes
// nothing), then export that tail to the active side and count it back (only verified when stage export is not
// selected). The per-topic lines are what the re-protect approval shows.
import type { FailbackTopicLine } from '../failback-plan';
import { stepFailure } from '../runner';
import { acts } from '../acts';
import type { FailbackContext } from './steps';

export async function assessAndExport(ctx: FailbackContext, exportStage: boolean) {
  const { run, input, pair } = ctx;
  const assessment = await run.step('assess', async (step) => {
    const a = await acts(step).assessFailback(pair, { exportSuffix: input.exportSuffix, scanLimit: input.scanLimit });
    const tail = a.tails.reduce((n, t) => n + t.records, 0);
    const written = a.tails.reduce((n, t) => n + t.writtenOnSecondary, 0);
    step.summary(
      `old primary answers; ${a.topics.length} topic(s); unreplicated tail ${tail} record(s) in ` +
        `${a.tails.filter((t) => t.records > 0).length} partition(s); ${written} record(s) written on the secondary since the failover; ` +
        `groups: ${a.groups.oldPrimary.length} on the old primary, ${a.groups.secondary.length} on the secondary; fidelity ${a.fidelitySummary}`,
    );
    return a;
  });

  const exported = await run.step('export', async (step) => {
    const verifyOnly = !exportStage;
    const topics = await acts(step).exportTail(pair, assessment.tails, {
      exportSuffix: input.exportSuffix,
      verifyOnly,
    });
    const short = topics.filter((t) => t.verified < t.expected);
    const counts = topics
      .map(
        (t) =>
          `${t.exportTopic} ${t.verified}/${t.expected}${t.alreadyThere ? ` (${t.alreadyThere} from an earlier run)` : ''}`,
      )
      .join(', ');
    if (short.length) {
      throw stepFailure(
        'ExportIncomplete',
        `the export is incomplete${verifyOnly ? ' (stage export not selected: only verified)' : ''}: ` +
          `${short.map((t) => `${t.exportTopic} has ${t.verified}/${t.expected}, missing e.g. ${t.missing.join(', ')}`).join('; ')}. ` +
          'Nothing was deleted. Resolve retry exports again.',
      );
    }
    step.summary(
      topics.length
        ? `${verifyOnly ? 'verified' : 'exported and read back'}: ${counts}`
        : 'no unreplicated tail: nothing to export',
    );
    return topics;
  });

  const topicLines: FailbackTopicLine[] = assessment.topics.map((topic) => {
    const parts = assessment.tails.filter((t) => t.topic === topic);
    const withTail = parts.filter((t) => t.records > 0);
    const firsts = withTail.map((t) => t.firstAt).filter((x): x is number => x !== null);
    const lasts = withTail.map((t) => t.lastAt).filter((x): x is number => x !== null);
    const e = exported.find((x) => x.topic === topic);
    return {
      topic,
      tailRecords: withTail.reduce((n, t) => n + t.records, 0),
      partitionsWithTail: withTail.length,
      firstAt: firsts.length ? Math.min(...firsts) : null,
      lastAt: lasts.length ? Math.max(...lasts) : null,
      exportTopic: e?.exportTopic ?? `${topic}${input.exportSuffix}`,
      exported: e?.verified ?? 0,
      writtenOnSecondary: parts.reduce((n, t) => n + t.writtenOnSecondary, 0),
    };
  });
  const tailTotal = topicLines.reduce((n, t) => n + t.tailRecords, 0);
  return { assessment, exported, topicLines, tailTotal };
}
