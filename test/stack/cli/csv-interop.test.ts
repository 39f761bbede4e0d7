// `kdr plan --csv` is only useful if Apache Kafka's own tool reads it as meant. Runs the real
// kafka-consumer-groups (ConsumerGroupCommand from the stack's jars) with --dry-run on the single-group file and on
// the all-groups file with one --group per planned group (what `kdr plan --csv` tells the operator to run), and
// compares the tool's NEW-OFFSET column with the plan — including a planned group the cluster does not know yet.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { local } from '../../../stack/local-stack';
import { applyHint } from '../../../app/cli/program';
import { planCsv } from '../../../src/plan/csv';
import { type GroupTarget } from '../../../src/plan/model';
import {
  parseNewOffsets,
  resetArgs,
  runResetTool,
  tempDir,
  toolLog4j,
} from '../../../stack/harness/consumer-groups-tool';
import { createTopic, deleteTopics, openBoth } from '../../../stack/harness/kafka';
import { uniqueName } from '../../../stack/harness/stack';

describe('plan CSV with the real kafka-consumer-groups tool', () => {
  let kafka: Awaited<ReturnType<typeof openBoth>>;
  const topic = uniqueName('csv-t');
  const known = uniqueName('csv-known');
  const fresh = uniqueName('csv-fresh');
  const dir = tempDir('kdr-csv-');
  const plan: { groups: GroupTarget[] } = {
    groups: [
      {
        group: known,
        duplicateBound: 0,
        liveMembers: 0,
        untranslated: [],
        offsets: [
          [topic, 0, 5, 'matched'],
          [topic, 1, 7, 'checkpoint'],
        ],
      },
      {
        group: fresh,
        duplicateBound: 0,
        liveMembers: 0,
        untranslated: [],
        offsets: [
          [topic, 0, 12, 'group-timestamp'],
          [topic, 1, 0, 'earliest'],
        ],
      },
    ],
  };

  before(async () => {
    kafka = await openBoth();
    await createTopic(kafka.secondary, topic, 2);
    const producer = kafka.secondary.kafka.producer();
    await producer.connect();
    for (const partition of [0, 1]) {
      await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ partition, value: `v${i}` })) });
    }
    await producer.disconnect();
    // One planned group already exists on the cluster (committed somewhere else), the other does not yet.
    await kafka.secondary.admin.setOffsets({
      groupId: known,
      topic,
      partitions: [
        { partition: 0, offset: '1' },
        { partition: 1, offset: '1' },
      ],
    });
  });
  after(async () => {
    await deleteTopics(kafka.secondary, [topic]).catch(() => undefined);
    await kafka.secondary.admin.deleteGroups([known]).catch(() => undefined);
    await kafka.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const expected = (g: GroupTarget) => new Map(g.offsets.map(([t, p, o]) => [`${t}:${p}`, o]));

  test('the single-group file (topic,partition,offset) with --group', async () => {
    const file = path.join(dir, 'one.csv');
    fs.writeFileSync(file, planCsv(plan, known));
    const out = await runResetTool(
      resetArgs(local.secondaryBootstrap, [known], file, toolLog4j(dir), '--dry-run'),
      known,
    );
    assert.deepEqual(parseNewOffsets(out).get(known), expected(plan.groups[0]), out);
  });

  test('the all-groups file (group,topic,partition,offset) with one --group per planned group, as kdr plan --csv says', async () => {
    const file = path.join(dir, 'all.csv');
    fs.writeFileSync(file, planCsv(plan));
    const hint = applyHint(plan, undefined, local.secondaryBootstrap);
    assert.match(hint, new RegExp(`--group ${known} --group ${fresh} --reset-offsets --from-file plan.csv`));
    assert.doesNotMatch(hint, /--all-groups/);
    const out = await runResetTool(
      resetArgs(local.secondaryBootstrap, [known, fresh], file, toolLog4j(dir), '--dry-run'),
      'both groups',
    );
    const seen = parseNewOffsets(out);
    for (const g of plan.groups) assert.deepEqual(seen.get(g.group), expected(g), `${g.group}:\n${out}`);
  });
});
