// Finding "pairs default to identity declared and nothing warns": a declared pair lets anyone who can signal
// approve under any name. `kdr pairs`, every plan (the `plan` query, kdr plan, kdr approve's summary) and the run's
// details in the Temporal UI now say so; a signed pair shows no such warning. Real dev server (fixture activities).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { approvalActivities } from '../../../activities/approvals';
import { runCli } from '../../../app/cli/program';
import { planSummary } from '../../../app/cli/commands/approve';
import { renderPlan } from '../../../app/cli/render';
import type { PairConfigInput } from '../../../src/config';
import { generateApproverKeys } from '../../../src/security/approval-signature';
import { local } from '../../../stack/local-stack';
import { localKafkaPair } from '../../../stack/local-pairs';
import { planQuery, statusQuery } from '../../../workflows/definitions';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { approvalFixture } from '../../helpers/fixtures/workflows';
import {
  closeTemporal,
  currentDetails,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const workflowsPath = require.resolve('../../helpers/fixtures/workflows');

describe('identity: declared identity is shown as a warning', () => {
  before(async () => {
    await temporal();
    await workflowBundle(workflowsPath);
  });
  after(closeTemporal);

  test('finding "declared identity, nothing warns": every plan and the run\'s details warn on a declared pair, not on a signed one', async () => {
    const declared: PairConfigInput = localKafkaPair(uniqueName('sec-decl'), ['t']);
    const signed: PairConfigInput = {
      ...localKafkaPair(uniqueName('sec-sign'), ['t']),
      approval: {
        identity: 'signed',
        approvers: [
          { name: 'bob', publicKey: generateApproverKeys().publicKey },
          { name: 'carol', publicKey: generateApproverKeys().publicKey },
        ],
      },
    };
    await withWorker(
      { workflowsPath, activities: { ...createFixtureActivities(createControl()), ...approvalActivities() } },
      async ({ client, taskQueue }) => {
        for (const [config, warns] of [
          [declared, true],
          [signed, false],
        ] as const) {
          const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
            taskQueue,
            workflowId: uniqueName('decl'),
            args: [{ config, requestedBy: 'alice' }],
          });
          try {
            await eventually(
              () => handle.query(statusQuery),
              (s) => s.phase === 'awaiting-approval',
              'the approval wait',
            );
            const view = (await handle.query(planQuery))!;
            const details = await currentDetails(handle);
            const shown = [
              renderPlan(handle.workflowId, view.planId, view.plan),
              planSummary(handle.workflowId, view.planId, view.plan),
            ];
            if (warns) {
              assert.match(
                view.plan.identityWarning ?? '',
                /anyone who can send signals to this run through Temporal can approve, reject or resolve it under any name/,
              );
              assert.match(
                details.split('\n').slice(0, 4).join('\n'),
                /⚠️ \*\*Declared identity\*\*: anyone who can signal this run approves under any name/,
                'right under the heading',
              );
              assert.match(
                details,
                /> ⚠️ \*\*Declared identity\.\*\* approval\.identity is "declared"/,
                'in the plan shown in the details',
              );
              for (const text of shown) assert.match(text.split('\n')[0], /^WARNING approval\.identity is "declared"/);
            } else {
              assert.equal(view.plan.identityWarning, undefined);
              assert.doesNotMatch(details, /Declared identity/);
              for (const text of shown) assert.doesNotMatch(text, /WARNING/);
            }
          } finally {
            await handle.terminate('test done');
          }
        }
      },
    );
  });

  test('finding "declared identity, nothing warns": kdr pairs warns for each declared pair (and --json says identity)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-decl-'));
    const file = path.join(dir, 'pairs.json');
    const declared = localKafkaPair('decl-orders', ['orders']);
    const signed = {
      ...localKafkaPair('signed-orders', ['orders']),
      approval: { identity: 'signed', approvers: [{ name: 'bob', publicKey: generateApproverKeys().publicKey }] },
    };
    fs.writeFileSync(file, JSON.stringify({ pairs: [declared, signed] }));
    const cli = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: { ...process.env, TEMPORAL_ADDRESS: local.temporalAddress, KDR_PAIRS_FILE: file },
        isTTY: false,
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    try {
      const text = await cli(['pairs']);
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /decl-orders: WARNING approval\.identity is "declared": anyone who can send signals/);
      assert.doesNotMatch(text.out, /signed-orders: WARNING/);
      const json = await cli(['pairs', '--json']);
      const pairs = (
        JSON.parse(json.out) as { pairs: { name: string; identity: { mode: string; warning?: string } }[] }
      ).pairs;
      assert.equal(pairs.find((p) => p.name === 'decl-orders')?.identity.mode, 'declared');
      assert.equal(pairs.find((p) => p.name === 'signed-orders')?.identity.mode, 'signed');
      assert.equal(pairs.find((p) => p.name === 'signed-orders')?.identity.warning, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
