// Bypass attempts on the approval, each refused and audited, on the real dev server with the real step runner,
// the real policy code and the real signature check (a local activity on the worker): loosening the pair's
// policy from the input, name variants, and on a `signed` pair unsigned, forged, wrong-key, unknown-approver,
// expired, replayed, other-run and stale-plan approvals. Signatures never reach results, details or history
// (beyond the signal that carried them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { approvalActivities } from '../../../activities/approvals';
import { runCli } from '../../../app/cli/program';
import { local } from '../../../stack/local-stack';
import type { PairConfigInput } from '../../../src/config';
import { localKafkaPair } from '../../../stack/local-pairs';
import {
  generateApproverKeys,
  privateKeyFrom,
  signApproval,
  signDecision,
} from '../../../src/security/approval-signature';
import { approveSignal, planQuery, statusQuery, type RunReport } from '../../../workflows/definitions';
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
const activities = () => ({ ...createFixtureActivities(createControl()), ...approvalActivities() });

function pairWith(approval: PairConfigInput['approval']): PairConfigInput {
  const name = uniqueName('sec');
  return { ...localKafkaPair(name, [`${name}-t`]), approval };
}

async function refusal(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(
    err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure,
    `expected the run to fail, got ${String(err)}`,
  );
  return err.cause;
}

/** What kdr failover --key sends: the requester's signature over (pair, workflow id, requester, time). */
function signRequest(pem: string, pair: string, workflowId: string, by: string, signedAt = new Date().toISOString()) {
  return {
    signedAt,
    signature: signDecision(privateKeyFrom(pem, 'test key'), {
      purpose: 'request',
      subject: 'request',
      pair,
      workflowId,
      runId: '',
      planId: '',
      by,
      signedAt,
    }),
  };
}

describe('approval bypass attempts', () => {
  before(async () => {
    await temporal();
    await workflowBundle(workflowsPath);
  });
  after(closeTemporal);

  test("the input may not loosen the pair's policy: each attempt ends the run Refused, audited, nothing applied", async () => {
    const attempts: [string, PairConfigInput['approval'], object, RegExp][] = [
      [
        'self-approval allowed from the input',
        undefined,
        { forbidSelfApproval: false },
        /approval\.forbidSelfApproval: false would loosen/,
      ],
      [
        'fewer approvals than the pair requires',
        { required: 2, allowList: ['bob', 'carol', 'dave'] },
        { required: 1 },
        /approval\.required: 1 would loosen the pair's policy, which requires 2/,
      ],
      ['a longer timeout', { timeout: '10m' }, { timeout: '2h' }, /approval\.timeout: 7200000ms would loosen/],
      [
        'an approver the pair does not list',
        { allowList: ['bob', 'carol'] },
        { allowList: ['mallory'] },
        /approval\.allowList: mallory may not approve runs of this pair/,
      ],
    ];
    await withWorker({ workflowsPath, activities: activities() }, async ({ client, taskQueue }) => {
      for (const [what, pairPolicy, request, reason] of attempts) {
        const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
          taskQueue,
          workflowId: uniqueName('loosen'),
          args: [{ config: pairWith(pairPolicy), requestedBy: 'alice', approval: request }],
        });
        const cause = await refusal(handle);
        assert.equal(cause.type, 'Refused', what);
        assert.match(cause.message, reason, what);
        const report = cause.details?.[0] as RunReport;
        const audit = report.audit.find((a) => a.action === 'refuse');
        assert.ok(audit && !audit.accepted && reason.test(audit.reason ?? ''), `${what}: audited`);
        assert.equal(report.steps.find((s) => s.name === 'apply')?.state, 'pending', `${what}: nothing applied`);
      }
    });
  });

  test('name variants of the requester or of one approver never count as another person', async () => {
    await withWorker({ workflowsPath, activities: activities() }, async ({ client, taskQueue }) => {
      const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId: uniqueName('names'),
        args: [{ config: pairWith({ required: 2 }), requestedBy: 'bob' }],
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      const { planId } = (await handle.query(planQuery))!;
      const variants = [
        'b\u200Bob',
        'ＢＯＢ',
        ' Bob ',
        'bob\u202E',
        'bo\u00ADb',
        'carol',
        'CAROL',
        'ca\u200Drol',
        'Ｃａｒｏｌ',
      ];
      for (const by of variants) await handle.signal(approveSignal, { by, planId });
      const s = await eventually(
        () => handle.query(statusQuery),
        (x) => x.audit.length === variants.length,
        'every attempt judged',
      );
      const verdicts = s.audit.map((a) => [a.accepted, a.reason ?? '']);
      assert.match(verdicts[0][1] as string, /invisible or control character U\+200B/);
      assert.match(
        verdicts[1][1] as string,
        /ＢＯＢ requested this run and may not approve it/,
        'full-width letters are the same person (NFKC)',
      );
      assert.match(verdicts[2][1] as string, /requested this run/);
      assert.match(verdicts[3][1] as string, /U\+202E/);
      assert.match(verdicts[4][1] as string, /U\+00AD/);
      assert.equal(verdicts[5][0], true, 'carol approves');
      for (const i of [6, 7, 8])
        assert.equal(verdicts[i][0], false, `variant ${variants[i]} of carol is not a second approver`);
      assert.match(verdicts[6][1] as string, /already approved/);
      assert.match(verdicts[8][1] as string, /already approved/);
      assert.equal(s.approval?.approvedBy.length, 1, 'still 1 of 2');
      await client.workflow.getHandle(handle.workflowId).terminate('test done');
    });
  });

  test('a signed pair refuses unsigned, forged, wrong-key, unknown, expired, replayed, other-run and stale approvals; good signatures pass', async () => {
    const alice = generateApproverKeys();
    const bob = generateApproverKeys();
    const carol = generateApproverKeys();
    const dave = generateApproverKeys();
    const config = pairWith({
      identity: 'signed',
      required: 2,
      approvers: [
        { name: 'alice', publicKey: alice.publicKey },
        { name: 'bob', publicKey: bob.publicKey },
        { name: 'dave', publicKey: dave.publicKey },
      ],
    });
    const sign = (
      pem: string,
      fields: { pair: string; workflowId: string; runId: string; planId: string; by: string; signedAt?: string },
    ) => {
      const signedAt = fields.signedAt ?? new Date().toISOString();
      return { signedAt, signature: signApproval(privateKeyFrom(pem, 'test key'), { ...fields, signedAt }) };
    };
    const signatures: string[] = [];
    await withWorker({ workflowsPath, activities: activities() }, async ({ client, taskQueue }) => {
      // dave proves he asks (a signed request): the two approvals may come from alice and bob.
      const workflowId = uniqueName('signed');
      const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId,
        args: [
          {
            config,
            requestedBy: 'dave',
            requestSignature: signRequest(dave.privatePem, config.name, workflowId, 'dave'),
          },
        ],
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      const { planId } = (await handle.query(planQuery))!;
      const runId = (await handle.describe()).runId;
      const base = { pair: config.name, workflowId: handle.workflowId, runId, planId };
      assert.match(
        await currentDetails(handle),
        /accepts \*\*signed\*\* approvals only: `kdr approve .* --key <your private key> --plan-id /,
      );
      assert.equal((await handle.query(statusQuery)).approval?.identity, 'signed');

      const attempts: [string, object, RegExp][] = [];
      attempts.push(['unsigned (as from the Temporal UI)', { by: 'bob', planId }, /accepts signed approvals only/]);
      const forged = { signedAt: new Date().toISOString(), signature: Buffer.alloc(64, 7).toString('base64') };
      attempts.push(['forged', { by: 'bob', planId, ...forged }, /does not verify with bob's public key/]);
      const wrongKey = sign(carol.privatePem, { ...base, by: 'bob' });
      attempts.push([
        'signed with another key',
        { by: 'bob', planId, ...wrongKey },
        /does not verify with bob's public key/,
      ]);
      const unknown = sign(carol.privatePem, { ...base, by: 'carol' });
      attempts.push([
        'an approver the pair does not list',
        { by: 'carol', planId, ...unknown },
        /carol is not in approval\.allowList/,
      ]);
      const expired = sign(bob.privatePem, {
        ...base,
        by: 'bob',
        signedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      });
      attempts.push(['expired', { by: 'bob', planId, ...expired }, /the signature is expired/]);
      const otherRun = sign(bob.privatePem, { ...base, runId: 'another-run', by: 'bob' });
      attempts.push(['signed for another run', { by: 'bob', planId, ...otherRun }, /does not verify/]);
      const stale = sign(bob.privatePem, { ...base, planId: 'plan-old', by: 'bob' });
      attempts.push([
        'a stale plan',
        { by: 'bob', planId: 'plan-old', ...stale },
        /plan plan-old is not the current plan/,
      ]);
      const good = sign(bob.privatePem, { ...base, by: 'bob' });
      attempts.push(['bob, correctly signed', { by: 'Bob', planId, ...good }, /^1\/2 \(signature verified\)$/]);
      attempts.push(["bob's approval replayed", { by: 'bob', planId, ...good }, /already approved|already presented/]);
      attempts.push([
        "bob's signature replayed by alice",
        { by: 'alice', planId, ...good },
        /already presented to this run/,
      ]);
      // One at a time: a signed approval is judged after a worker round trip, so verdicts could otherwise interleave.
      for (const [i, [what, payload, reason]] of attempts.entries()) {
        const p = payload as { signature?: string };
        if (p.signature) signatures.push(p.signature);
        await handle.signal(approveSignal, payload as never);
        const s = await eventually(
          () => handle.query(statusQuery),
          (x) => x.audit.length === i + 1,
          `the verdict on: ${what}`,
        );
        assert.match(s.audit[i].reason ?? '', reason, what);
        assert.equal(s.audit[i].accepted, i === 7, `${what}: ${i === 7 ? 'accepted' : 'refused'}`);
      }
      const aliceGood = sign(alice.privatePem, { ...base, by: 'alice' });
      signatures.push(aliceGood.signature);
      await handle.signal(approveSignal, { by: 'alice', planId, ...aliceGood });
      const result = await handle.result();
      assert.equal(result.applied, true);
      assert.deepEqual(result.approvedBy, ['Bob', 'alice']);

      // Signatures are single-use proofs, bound to this run and plan; still, they appear nowhere but in the signal events.
      const shown = JSON.stringify(result) + (await currentDetails(handle));
      const history = (await handle.fetchHistory()).events ?? [];
      const elsewhere = JSON.stringify(
        history.filter((e) => !e.workflowExecutionSignaledEventAttributes),
        (_k, v) => (typeof v === 'object' && v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v),
      );
      for (const sig of signatures) {
        assert.equal(shown.includes(sig), false, 'no signature in the result or the details');
        assert.equal(
          elsewhere.includes(sig),
          false,
          'no signature in any history event but the signal that carried it',
        );
      }
    });
  });

  test('finding "forbidSelfApproval trusts requestedBy": on a signed pair an unsigned requester is not proven (one approval more); a forged or misused request signature is refused; a signed request needs the pair\'s count', async () => {
    const alice = generateApproverKeys();
    const bob = generateApproverKeys();
    const carol = generateApproverKeys();
    const config = pairWith({
      identity: 'signed',
      required: 1,
      approvers: [
        { name: 'alice', publicKey: alice.publicKey },
        { name: 'bob', publicKey: bob.publicKey },
        { name: 'carol', publicKey: carol.publicKey },
      ],
    });
    const approveAs = async (handle: WorkflowHandle, who: string, pem: string) => {
      const { planId } = (await handle.query(planQuery))!;
      const runId = (await handle.describe()).runId;
      const signedAt = new Date().toISOString();
      const signature = signApproval(privateKeyFrom(pem, 'test key'), {
        pair: config.name,
        workflowId: handle.workflowId,
        runId,
        planId,
        by: who,
        signedAt,
      });
      await handle.signal(approveSignal, { by: who, planId, signedAt, signature });
    };
    await withWorker({ workflowsPath, activities: activities() }, async ({ client, taskQueue }) => {
      // With two approvers only, an unsigned request cannot be met (alice left out, 2 keys needed): Refused at once.
      const twoKeys = pairWith({
        identity: 'signed',
        required: 1,
        approvers: [
          { name: 'alice', publicKey: alice.publicKey },
          { name: 'bob', publicKey: bob.publicKey },
        ],
      });
      const unmet = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId: uniqueName('pose-2'),
        args: [{ config: twoKeys, requestedBy: 'alice' }],
      });
      const unmetCause = await refusal(unmet);
      assert.equal(unmetCause.type, 'Refused');
      assert.match(
        unmetCause.message,
        /1 possible approver\(s\) but 2 approval\(s\) are required .*the request is not signed, so the requester is not proven .*kdr failover\|failback --key/,
      );
      // bob (a key holder) starts the run as "alice", unsigned, and approves it himself: 1 of 2, nothing applied.
      const posing = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId: uniqueName('pose'),
        args: [{ config, requestedBy: 'alice' }],
      });
      await eventually(
        () => posing.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      await approveAs(posing, 'bob', bob.privatePem);
      const waiting = await eventually(
        () => posing.query(statusQuery),
        (s) => s.audit.some((a) => a.action === 'approve'),
        "bob's approval judged",
      );
      assert.equal(waiting.approval?.required, 2, "an unproven requester: one approval more than the pair's 1");
      assert.deepEqual(waiting.approval?.approvedBy, ['bob']);
      assert.equal(waiting.phase, 'awaiting-approval', 'bob alone cannot pass his own run');
      assert.match(
        waiting.audit.find((a) => a.action === 'policy')?.reason ?? '',
        /the request is not signed: alice is not proven, so 2 approvals/,
      );
      await posing.terminate('test done');

      // A request signature that is not the requester's (bob signs as alice), one for another run, or the internal flag: Refused.
      const otherRun = uniqueName('other');
      const forgedRequests: [string, (workflowId: string) => object, RegExp][] = [
        [
          'bob signs a request as alice',
          (id) => ({ requestSignature: signRequest(bob.privatePem, config.name, id, 'alice') }),
          /request's signature is not accepted .*does not verify with alice's public key/,
        ],
        [
          "alice's request for another run",
          () => ({ requestSignature: signRequest(alice.privatePem, config.name, otherRun, 'alice') }),
          /does not verify with alice's public key/,
        ],
        [
          'the internal requesterProven flag from outside',
          () => ({ requesterProven: true }),
          /requesterProven is set by drFailback for its switch-back only/,
        ],
      ];
      for (const [what, extra, reason] of forgedRequests) {
        const workflowId = uniqueName('forged-request');
        const input = { config, requestedBy: 'alice', ...extra(workflowId) };
        const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
          taskQueue,
          workflowId,
          args: [input],
        });
        const cause = await refusal(handle);
        assert.equal(cause.type, 'Refused', what);
        assert.match(cause.message, reason, what);
      }

      // alice signs her request: her own approval is refused by key, bob's one approval passes the run.
      const workflowId = uniqueName('signed-request');
      const proven = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId,
        args: [
          {
            config,
            requestedBy: 'alice',
            requestSignature: signRequest(alice.privatePem, config.name, workflowId, 'alice'),
          },
        ],
      });
      await eventually(
        () => proven.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      assert.equal((await proven.query(statusQuery)).approval?.required, 1);
      await approveAs(proven, 'alice', alice.privatePem);
      const self = await eventually(
        () => proven.query(statusQuery),
        (s) => s.audit.some((a) => a.action === 'approve'),
        "alice's approval judged",
      );
      assert.match(
        self.audit.find((a) => a.action === 'approve')?.reason ?? '',
        /alice requested this run and may not approve it/,
      );
      await approveAs(proven, 'bob', bob.privatePem);
      const result = await proven.result();
      assert.equal(result.applied, true);
      assert.deepEqual(result.approvedBy, ['bob']);
    });
  });

  test('kdr keygen + kdr approve --key: the CLI signs, the worker verifies; without the key nothing is sent', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-keys-'));
    const cli = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: { ...process.env, TEMPORAL_ADDRESS: local.temporalAddress },
        isTTY: false,
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const keyFile = path.join(dir, 'bob.key');
    const made = await cli(['keygen', '--out', keyFile, '--json']);
    assert.equal(made.code, 0, made.err);
    const { publicKey } = JSON.parse(made.out) as { publicKey: string };
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'the private key is readable by its owner only');
    assert.equal((await cli(['keygen', '--out', keyFile])).code, 2, 'never overwrites a key');
    // alice asks with a signed request (as kdr failover --key does): bob's one approval is the pair's count.
    const alice = generateApproverKeys();
    const config = pairWith({
      identity: 'signed',
      approvers: [
        { name: 'bob', publicKey },
        { name: 'alice', publicKey: alice.publicKey },
      ],
    });
    await withWorker({ workflowsPath, activities: activities() }, async ({ client, taskQueue }) => {
      const workflowId = uniqueName('cli-signed');
      const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
        taskQueue,
        workflowId,
        args: [
          {
            config,
            requestedBy: 'alice',
            requestSignature: signRequest(alice.privatePem, config.name, workflowId, 'alice'),
          },
        ],
      });
      await eventually(
        () => handle.query(statusQuery),
        (s) => s.phase === 'awaiting-approval',
        'the approval wait',
      );
      const { planId } = (await handle.query(planQuery))!;
      const unsigned = await cli(['approve', handle.workflowId, '--by', 'bob', '--plan-id', planId]);
      assert.equal(unsigned.code, 2);
      assert.match(unsigned.err, /accepts signed approvals only: give --key/);
      const signed = await cli(['approve', handle.workflowId, '--by', 'bob', '--plan-id', planId, '--key', keyFile]);
      assert.equal(signed.code, 0, signed.err);
      assert.match(
        signed.out,
        new RegExp(`approved plan ${planId} of ${handle.workflowId} as bob \\(1/1 \\(signature verified\\)\\)`),
      );
      assert.equal((await handle.result()).applied, true);
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
