// Finding "reject, resolve and stopWatch carry no proof even on signed pairs": on a pair with signed identity they
// are signed too (each under its own purpose: an approval's signature is refused as a reject), unsigned or badly
// signed ones are refused and audited; declared pairs are unchanged. A stopWatch the runbooks send themselves
// (unsigned: a workflow holds no key) counts only once the custom domain has left the watched primary.
// Real dev server and worker (fixture activities for the runbook, the real ones for the watch).
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
import { createCloudClients } from '../../../src/cloud';
import { type PairConfigInput } from '../../../src/config';
import { watchWorkflowId } from '../../../workflows/contract';
import {
  generateApproverKeys,
  privateKeyFrom,
  signApproval,
  signDecision,
  type DecisionFields,
} from '../../../src/security/approval-signature';
import { localKafkaPair } from '../../../stack/local-pairs';
import { drWatch } from '../../../workflows';
import {
  approveSignal,
  planQuery,
  rejectSignal,
  resolveSignal,
  resolveUpdate,
  statusQuery,
  stopWatchSignal,
  watchQuery,
} from '../../../workflows/definitions';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { approvalFixture } from '../../helpers/fixtures/workflows';
import { kafkaPair, testEnv, withKdrWorker } from '../../../stack/harness/kdr';
import {
  closeTemporal,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';

const workflowsPath = require.resolve('../../helpers/fixtures/workflows');

const sign = (pem: string, fields: Omit<DecisionFields, 'signedAt'>) => {
  const signedAt = new Date().toISOString();
  return { signedAt, signature: signDecision(privateKeyFrom(pem, 'test key'), { ...fields, signedAt }) };
};

async function failure(handle: WorkflowHandle): Promise<ApplicationFailure> {
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

describe('identity: signed rejects, resolves and watch stops', () => {
  before(async () => {
    await temporal();
    await workflowBundle(workflowsPath);
  });
  after(closeTemporal);

  test('finding "reject, resolve and stopWatch carry no proof": on a signed pair unsigned, replayed and approve-signed rejects and resolves are refused and audited; signed ones decide', async () => {
    const alice = generateApproverKeys();
    const bob = generateApproverKeys();
    const carol = generateApproverKeys();
    const name = uniqueName('sec-dec');
    const config: PairConfigInput = {
      ...localKafkaPair(name, [`${name}-t`]),
      approval: {
        identity: 'signed',
        approvers: [
          { name: 'alice', publicKey: alice.publicKey },
          { name: 'bob', publicKey: bob.publicKey },
          { name: 'carol', publicKey: carol.publicKey },
        ],
      },
    };
    const control = createControl({ apply: Infinity });
    await withWorker(
      { workflowsPath, activities: { ...createFixtureActivities(control), ...approvalActivities() } },
      async ({ client, taskQueue }) => {
        const start = async () => {
          const workflowId = uniqueName('signed-dec');
          const request = sign(alice.privatePem, {
            purpose: 'request',
            subject: 'request',
            pair: name,
            workflowId,
            runId: '',
            planId: '',
            by: 'alice',
          });
          const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
            taskQueue,
            workflowId,
            args: [{ config, requestedBy: 'alice', requestSignature: request }],
          });
          await eventually(
            () => handle.query(statusQuery),
            (s) => s.phase === 'awaiting-approval',
            'the approval wait',
          );
          const { planId } = (await handle.query(planQuery))!;
          return { handle, planId, base: { pair: name, workflowId, runId: (await handle.describe()).runId, planId } };
        };
        const judged = async (handle: WorkflowHandle, n: number, what: string) =>
          (
            await eventually(
              () => handle.query(statusQuery),
              (s) => s.audit.length >= n,
              what,
            )
          ).audit[n - 1];

        // Rejects: unsigned (the UI), an approval's signature presented as a reject, then a good one.
        const first = await start();
        const approval = { signedAt: new Date().toISOString(), signature: '' };
        approval.signature = signApproval(privateKeyFrom(bob.privatePem, 'k'), {
          ...first.base,
          by: 'bob',
          signedAt: approval.signedAt,
        });
        await first.handle.signal(rejectSignal, { by: 'bob', reason: 'from the UI' });
        let audit = await judged(first.handle, 1, 'the unsigned reject');
        assert.equal(audit.accepted, false);
        assert.match(audit.reason ?? '', /accepts signed decisions only .*an unsigned reject is refused/);
        await first.handle.signal(rejectSignal, { by: 'bob', reason: 'replayed approval', ...approval });
        audit = await judged(first.handle, 2, 'the approval signature as a reject');
        assert.equal(audit.accepted, false);
        assert.match(audit.reason ?? '', /does not verify with bob's public key .*not for a reject/);
        assert.equal(
          (await first.handle.query(statusQuery)).phase,
          'awaiting-approval',
          'still waiting: nothing rejected it',
        );
        await first.handle.signal(rejectSignal, {
          by: 'bob',
          reason: 'signed',
          ...sign(bob.privatePem, { ...first.base, purpose: 'reject', subject: 'reject', by: 'bob' }),
        });
        assert.equal((await failure(first.handle)).type, 'Rejected');

        // Resolves: approve (signed), the apply step blocks; unsigned signal and update are refused, a replayed one too; a signed abort ends it.
        const second = await start();
        await second.handle.signal(approveSignal, {
          by: 'bob',
          planId: second.planId,
          ...(() => {
            const signedAt = new Date().toISOString();
            return {
              signedAt,
              signature: signApproval(privateKeyFrom(bob.privatePem, 'k'), { ...second.base, by: 'bob', signedAt }),
            };
          })(),
        });
        await eventually(
          () => second.handle.query(statusQuery),
          (s) => s.phase === 'blocked',
          'the apply step to block',
          60_000,
        );
        const before = (await second.handle.query(statusQuery)).audit.length;
        await second.handle.signal(resolveSignal, { action: 'retry', by: 'carol' });
        audit = await judged(second.handle, before + 1, 'the unsigned resolve');
        assert.equal(audit.accepted, false);
        assert.match(audit.reason ?? '', /accepts signed decisions only .*an unsigned resolve is refused/);
        const refusedUpdate = (pattern: RegExp) => (err: unknown) =>
          pattern.test(String((err as { cause?: Error }).cause?.message));
        await assert.rejects(
          second.handle.executeUpdate(resolveUpdate, { args: [{ action: 'abort', by: 'carol' }] }),
          refusedUpdate(/accepts signed decisions only/),
        );
        const retry = sign(carol.privatePem, {
          ...second.base,
          planId: '',
          purpose: 'resolve',
          subject: 'apply abort',
          by: 'carol',
        });
        const wrongStep = sign(carol.privatePem, {
          ...second.base,
          planId: '',
          purpose: 'resolve',
          subject: 'apply retry',
          by: 'carol',
        });
        await assert.rejects(
          second.handle.executeUpdate(resolveUpdate, {
            args: [{ action: 'abort', step: 'apply', by: 'carol', ...wrongStep }],
          }),
          refusedUpdate(/does not verify/),
          'a signature over "apply retry" is not an abort',
        );
        assert.equal((await second.handle.query(statusQuery)).phase, 'blocked');
        await second.handle.signal(resolveSignal, {
          action: 'abort',
          step: 'apply',
          by: 'carol',
          note: 'signed',
          ...retry,
        });
        const cause = await failure(second.handle);
        assert.equal(cause.type, 'Aborted');
        assert.match(cause.message, /aborted by carol at step apply/);
      },
    );
  });

  test('finding "reject, resolve and stopWatch carry no proof": kdr resolve and kdr reject sign with --key; without it the run refuses them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-dec-'));
    const bob = generateApproverKeys();
    const alice = generateApproverKeys();
    const bobKey = path.join(dir, 'bob.key');
    fs.writeFileSync(bobKey, bob.privatePem, { mode: 0o600 });
    const name = uniqueName('sec-cli');
    const config: PairConfigInput = {
      ...localKafkaPair(name, [`${name}-t`]),
      approval: {
        identity: 'signed',
        approvers: [
          { name: 'alice', publicKey: alice.publicKey },
          { name: 'bob', publicKey: bob.publicKey },
        ],
      },
    };
    const cli = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: { ...process.env, TEMPORAL_ADDRESS: local.temporalAddress, KDR_APPROVER_KEY: '' },
        isTTY: false,
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const control = createControl({ apply: Infinity });
    try {
      await withWorker(
        { workflowsPath, activities: { ...createFixtureActivities(control), ...approvalActivities() } },
        async ({ client, taskQueue }) => {
          const start = async () => {
            const workflowId = uniqueName('cli-dec');
            const request = sign(alice.privatePem, {
              purpose: 'request',
              subject: 'request',
              pair: name,
              workflowId,
              runId: '',
              planId: '',
              by: 'alice',
            });
            const handle = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
              taskQueue,
              workflowId,
              args: [{ config, requestedBy: 'alice', requestSignature: request }],
            });
            await eventually(
              () => handle.query(statusQuery),
              (s) => s.phase === 'awaiting-approval',
              'the approval wait',
            );
            return handle;
          };
          const first = await start();
          const unsignedReject = await cli(['reject', first.workflowId, '--by', 'bob', '--reason', 'no']);
          assert.equal(unsignedReject.code, 6, unsignedReject.out + unsignedReject.err);
          assert.match(
            unsignedReject.out + unsignedReject.err,
            /accepts signed decisions only .*an unsigned reject is refused/,
          );
          const signedReject = await cli([
            'reject',
            first.workflowId,
            '--by',
            'bob',
            '--reason',
            'no',
            '--key',
            bobKey,
          ]);
          assert.equal(signedReject.code, 0, signedReject.out + signedReject.err);
          assert.equal((await failure(first)).type, 'Rejected');

          // Approved (kdr approve --key), the apply step blocks; kdr resolve decides only with the key.
          const second = await start();
          const approved = await cli(['approve', second.workflowId, '--by', 'bob', '--yes', '--key', bobKey]);
          assert.equal(approved.code, 0, approved.out + approved.err);
          await eventually(
            () => second.query(statusQuery),
            (s) => s.phase === 'blocked',
            'the apply step to block',
            60_000,
          );
          control.failures.set('apply', 0);
          const unsigned = await cli(['resolve', second.workflowId, 'retry', '--by', 'bob']);
          assert.equal(unsigned.code, 6, unsigned.out + unsigned.err);
          assert.match(unsigned.err, /accepts signed decisions only .*an unsigned resolve is refused/);
          const signed = await cli(['resolve', second.workflowId, 'retry', '--by', 'bob', '--key', bobKey]);
          assert.equal(signed.code, 0, signed.err);
          assert.match(signed.out, /retry accepted for step apply/);
          assert.equal((await second.result()).applied, true);
        },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('finding "reject, resolve and stopWatch carry no proof": a signed pair\'s watch refuses an unsigned stop while the domain points at its primary; a signed stop, or an unsigned one after the domain moved, stops it', async () => {
    const alice = generateApproverKeys();
    const name = uniqueName('sec-wstop');
    const config = kafkaPair(name, [`${name}-t`], {
      watch: { interval: '1s', canaryEvery: '10m' },
      approval: { identity: 'signed', approvers: [{ name: 'alice', publicKey: alice.publicKey }] },
    });
    const alidns = createCloudClients(testEnv()).alidns();
    await alidns.addDomainRecord(config.dns.domain, {
      rr: config.dns.rr,
      type: 'CNAME',
      value: config.primary.endpointHost,
      ttl: config.dns.ttl,
    });
    await withKdrWorker(async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(drWatch, {
        taskQueue,
        workflowId: watchWorkflowId(name),
        args: [{ config }],
      });
      try {
        await eventually(
          () => handle.query(watchQuery),
          (s) => s.ticks >= 1,
          'the first check',
          60_000,
        );
        await handle.signal(stopWatchSignal, { by: 'mallory', reason: 'canaries off' });
        const refused = await eventually(
          () => handle.query(watchQuery),
          (s) => s.stopRefused !== undefined,
          'the stop to be judged',
          60_000,
        );
        assert.match(refused.stopRefused!.reason, /accepts signed stops only .*points at the watched primary/);
        assert.equal(refused.stopped, undefined);
        const good = sign(alice.privatePem, {
          purpose: 'stop-watch',
          subject: 'stop',
          pair: name,
          workflowId: watchWorkflowId(name),
          runId: '',
          planId: '',
          by: 'alice',
        });
        await handle.signal(stopWatchSignal, { by: 'alice', reason: 'signed', ...good });
        const result = await handle.result();
        assert.equal(result.stoppedBy, 'alice');
      } finally {
        await handle.terminate('test done').catch(() => undefined);
      }
      // The runbooks' own (unsigned) stop: accepted once the domain left the watched primary (after a failover).
      const again = await client.workflow.start(drWatch, {
        taskQueue,
        workflowId: watchWorkflowId(name),
        args: [{ config }],
      });
      try {
        await eventually(
          () => again.query(watchQuery),
          (s) => s.ticks >= 1,
          'the first check',
          60_000,
        );
        const records = await alidns.listSubDomainRecords({
          subDomain: `${config.dns.rr}.${config.dns.domain}`,
          domainName: config.dns.domain,
        });
        const record = records.find((r) => r.Type === 'CNAME')!;
        await alidns.updateDomainRecord(record.RecordId, {
          rr: config.dns.rr,
          type: 'CNAME',
          value: config.secondary.endpointHost,
          ttl: config.dns.ttl,
        });
        await again.signal(stopWatchSignal, { by: 'drFailover', reason: 'the CNAME moved' });
        assert.equal((await again.result()).stoppedBy, 'drFailover');
      } finally {
        await again.terminate('test done').catch(() => undefined);
      }
    });
  });
});
