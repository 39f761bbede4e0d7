// The malformed-input suite: hundreds of generated bad inputs across the pair config (inline and in a pairs
// file), both workflow inputs, the signals and the update, and the kdr flags. Each must be refused with a message
// naming its field; a sample is also sent to real runs on the dev server (no run stuck, no worker crash). Then
// the secrets scan: every history, result, current details and log line of the suite's runs is searched for the
// AccessKey secret and a SASL password the worker holds: 0 hits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { approvalActivities } from '../../../activities/approvals';
import {
  ApprovePayloadSchema,
  FailoverInputSchema,
  PairConfigSchema,
  RejectPayloadSchema,
  ResolvePayloadSchema,
  SetupInputSchema,
  validate,
} from '../../../src/config';
import { parsePairs, PairsFileError } from '../../../src/config/file';
import { runCli } from '../../../app/cli/program';
import { local, stackDir } from '../../../stack/local-stack';
import { drFailover, drSetup } from '../../../workflows';
import {
  approveSignal,
  planQuery,
  rejectSignal,
  resolveSignal,
  resolveUpdate,
  statusQuery,
} from '../../../workflows/definitions';
import { createControl, createFixtureActivities } from '../../helpers/fixtures/activities';
import type { approvalFixture } from '../../helpers/fixtures/workflows';
import { kafkaPair, testEnv, withKdrWorker } from '../../../stack/harness/kdr';
import {
  closeTemporal,
  currentDetails,
  eventually,
  temporal,
  uniqueName,
  withWorker,
  workflowBundle,
} from '../../../stack/harness/temporal';
import { cliCases, failoverCases, pairCases, setupCases, signalCases, type Case } from './malformed-cases';

const names = (field: string, paths: string[]) =>
  paths.some(
    (p) => p === field || p.startsWith(`${field}.`) || p.startsWith(`${field}[`) || (field === '' && p === ''),
  );

const counts: Record<string, number> = {};
const count = (what: string) => {
  counts[what] = (counts[what] ?? 0) + 1;
};

const SASL_PASSWORD = `sasl-pw-${uniqueName('s')}`;
const workerEnv = testEnv({
  KDR_SECRET_PRIMARY_SASL_USERNAME: 'kdr-scan-user',
  KDR_SECRET_PRIMARY_SASL_PASSWORD: SASL_PASSWORD,
});
const SECRETS = [local.accessKeySecret, SASL_PASSWORD];
const handles: WorkflowHandle[] = [];
const captured: string[] = [];

function judge(schema: Parameters<typeof validate>[0], c: Case, prefix = ''): void {
  const r = validate(schema, c.input);
  assert.equal(r.ok, false, `${c.what}: must be refused`);
  if (r.ok) return;
  const field = prefix ? (c.field ? `${prefix}.${c.field}` : prefix) : c.field;
  assert.ok(
    names(
      field,
      r.issues.map((i) => i.path),
    ),
    `${c.what}: the refusal must name ${field}; got: ${r.message}`,
  );
}

describe('malformed inputs', () => {
  const logSizes = new Map<string, number>();
  let restore: (() => void) | undefined;
  before(async () => {
    await temporal();
    await workflowBundle(require.resolve('../../helpers/fixtures/workflows'));
    for (const f of fs.readdirSync(path.join(stackDir, 'logs')))
      logSizes.set(f, fs.statSync(path.join(stackDir, 'logs', f)).size);
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      captured.push(String(chunk));
      return out(chunk, ...rest);
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      captured.push(String(chunk));
      return err(chunk, ...rest);
    }) as typeof process.stderr.write;
    restore = () => {
      process.stdout.write = out;
      process.stderr.write = err;
    };
  });
  after(async () => {
    restore?.();
    await closeTemporal();
  });

  test('pair configs (inline and in a pairs file), workflow inputs and signal payloads: each refused naming its field', () => {
    for (const c of pairCases()) {
      judge(PairConfigSchema, c);
      count('pair config');
      judge(FailoverInputSchema, { ...c, input: { config: c.input, requestedBy: 'alice' } }, 'config');
      count('inline config in a failover input');
      let message = '';
      try {
        parsePairs(JSON.stringify({ pairs: [c.input] }), 'malformed.jsonc');
      } catch (err) {
        assert.ok(err instanceof PairsFileError, `${c.what}: a PairsFileError`);
        message = err.message;
      }
      assert.match(
        message,
        new RegExp(`^malformed\\.jsonc: .*${c.field.replace(/[.[\]]/g, (m) => `\\${m}`)}`, 's'),
        `${c.what}: the pairs file error names the field`,
      );
      count('pairs file');
    }
    for (const c of failoverCases()) {
      judge(FailoverInputSchema, c);
      count('failover input');
    }
    for (const c of setupCases()) {
      judge(SetupInputSchema, c);
      count('setup input');
    }
    const schemas = { approve: ApprovePayloadSchema, reject: RejectPayloadSchema, resolve: ResolvePayloadSchema };
    for (const { schema, c } of signalCases()) {
      judge(schemas[schema], c);
      count(`${schema} payload`);
    }
  });

  test('kdr flags: each bad value exits 2 naming the flag, nothing sent', async () => {
    for (const { args, flag } of cliCases()) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: { ...process.env, TEMPORAL_ADDRESS: local.temporalAddress },
        isTTY: false,
      });
      assert.equal(code, 2, `kdr ${args.join(' ')}: exit 2, got ${code}: ${err.join('\n')}`);
      assert.ok(err.join('\n').includes(flag), `kdr ${args.join(' ')}: names ${flag}: ${err.join('\n')}`);
      count('kdr command line');
    }
  });

  test('real runs: bad workflow inputs fail at once naming the field; bad signals and updates are refused and audited; nothing stuck', async () => {
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const sample = [
          ...failoverCases()
            .filter((_, i) => i % 3 === 0)
            .map((c) => ({ c, type: drFailover })),
          ...setupCases().map((c) => ({ c, type: drSetup })),
        ];
        const runs = await Promise.all(
          sample.map(async ({ c, type }) => {
            const h = await client.workflow.start(type as typeof drSetup, {
              taskQueue,
              workflowId: uniqueName('malformed'),
              args: [c.input as never],
            });
            handles.push(h);
            return { c, h };
          }),
        );
        for (const { c, h } of runs) {
          const e = await h.result().then(
            () => undefined,
            (x: unknown) => x,
          );
          assert.ok(
            e instanceof WorkflowFailedError && e.cause instanceof ApplicationFailure,
            `${c.what}: the run fails`,
          );
          assert.equal(e.cause.type, 'InvalidInput', c.what);
          assert.ok(e.cause.message.includes(c.field), `${c.what}: names ${c.field}: ${e.cause.message}`);
          count('workflow run started with a bad input');
        }
      },
      { env: workerEnv },
    );

    await withWorker(
      {
        workflowsPath: require.resolve('../../helpers/fixtures/workflows'),
        activities: { ...createFixtureActivities(createControl()), ...approvalActivities() },
      },
      async ({ client, taskQueue }) => {
        const h = await client.workflow.start<typeof approvalFixture>('approvalFixture', {
          taskQueue,
          workflowId: uniqueName('malformed-signals'),
          args: [{ pair: uniqueName('pair'), requestedBy: 'alice' }],
        });
        handles.push(h);
        await eventually(
          () => h.query(statusQuery),
          (s) => s.phase === 'awaiting-approval',
          'the approval wait',
        );
        const cases = signalCases();
        for (const { schema, c } of cases) {
          const signal = schema === 'approve' ? approveSignal : schema === 'reject' ? rejectSignal : resolveSignal;
          await h.signal(signal as typeof approveSignal, c.input as never);
        }
        const s = await eventually(
          () => h.query(statusQuery),
          (x) => x.audit.length >= Math.min(cases.length, 190),
          'every bad signal audited',
        );
        for (const [i, { c }] of cases.slice(0, s.audit.length).entries()) {
          assert.equal(s.audit[i].accepted, false, c.what);
          assert.ok(
            (s.audit[i].reason ?? '').includes(`${c.field}:`),
            `${c.what}: the audit names ${c.field}: ${s.audit[i].reason}`,
          );
          count('signal sent to a running run');
        }
        for (const { c } of cases.filter((x) => x.schema === 'resolve')) {
          const e = await h.executeUpdate(resolveUpdate, { args: [c.input as never] }).then(
            () => undefined,
            (x: unknown) => x,
          );
          assert.ok(e instanceof WorkflowUpdateFailedError, `${c.what}: the update is rejected`);
          assert.ok(String((e.cause as Error)?.message).includes(`${c.field}:`), `${c.what}: names ${c.field}`);
          count('update sent to a running run');
        }
        // Not stuck: a good approval still completes the run.
        const { planId } = (await h.query(planQuery))!;
        await h.signal(approveSignal, { by: 'bob', planId });
        assert.equal((await h.result()).applied, true);
      },
    );
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `malformed-input suite: ${total} malformed inputs refused, each naming its field — ` +
        Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    );
    assert.ok(total >= 500, `at least 500 malformed inputs (got ${total})`);
  });

  test('secrets scan: the AccessKey secret and a SASL password the worker holds appear in no history, result, details or log line', async () => {
    // A run that makes the worker use both secrets: SASL credentials from KDR_SECRET_* against a broker that does
    // not speak SASL (preflight blocks), after a CNAME read signed with the AccessKey.
    const name = uniqueName('sec-scan');
    const pair = kafkaPair(name, [`${name}-t`]);
    pair.primary = {
      ...pair.primary,
      security: {
        protocol: 'SASL_PLAINTEXT',
        mechanism: 'PLAIN',
        usernameEnv: 'KDR_SECRET_PRIMARY_SASL_USERNAME',
        passwordEnv: 'KDR_SECRET_PRIMARY_SASL_PASSWORD',
      },
    };
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        const h = await client.workflow.start(drSetup, {
          taskQueue,
          workflowId: uniqueName('drSetup'),
          args: [{ config: pair }],
        });
        handles.push(h);
        const s = await eventually(
          () => h.query(statusQuery),
          (x) => x.phase === 'blocked',
          'preflight to block on SASL',
          180_000,
        );
        assert.equal(s.steps.find((x) => x.state === 'blocked')?.name, 'preflight');
        captured.push(await currentDetails(h));
        await h.signal(resolveSignal, { action: 'abort', by: 'alice', note: 'secrets scan' });
        await h.result().catch(() => undefined);
      },
      { env: workerEnv },
    );

    let scanned = 0;
    const hits: string[] = [];
    // Payloads above the codec's threshold are gzip-compressed: read them uncompressed.
    const bytesText = (v: Uint8Array) => {
      const b = Buffer.from(v);
      if (b[0] === 0x1f && b[1] === 0x8b) {
        try {
          return gunzipSync(b).toString('latin1');
        } catch {
          /* not gzip after all */
        }
      }
      return b.toString('latin1');
    };
    const scan = (where: string, text: string) => {
      scanned++;
      for (const secret of SECRETS)
        if (text.includes(secret))
          hits.push(`${where} contains ${secret === SASL_PASSWORD ? 'the SASL password' : 'the AccessKey secret'}`);
    };
    const { client } = await temporal();
    for (const h of handles) {
      const d = await client.workflow.getHandle(h.workflowId).describe();
      assert.notEqual(d.status.name, 'RUNNING', `${h.workflowId} is not stuck`);
      const history = await client.workflow.getHandle(h.workflowId).fetchHistory();
      scan(
        `history of ${h.workflowId}`,
        JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? bytesText(v) : v)),
      );
      scan(
        `result of ${h.workflowId}`,
        JSON.stringify(
          await client.workflow
            .getHandle(h.workflowId)
            .result()
            .then(
              (r) => r,
              (e: unknown) => e,
            ),
        ),
      );
    }
    scan("this process's output (worker and test logs)", captured.join(''));
    for (const [file, size] of logSizes) {
      const full = path.join(stackDir, 'logs', file);
      const fd = fs.openSync(full, 'r');
      const length = fs.statSync(full).size - size;
      const buf = Buffer.alloc(Math.max(0, length));
      if (length > 0) fs.readSync(fd, buf, 0, length, size);
      fs.closeSync(fd);
      scan(`.stack/logs/${file} (lines written during the suite)`, buf.toString('latin1'));
    }
    // The scanner itself finds what it looks for (a test that cannot fail proves nothing).
    const before = hits.length;
    scan('control: the worker environment', JSON.stringify(workerEnv));
    assert.equal(hits.length - before, 2, 'the scan finds both secrets where they are');
    hits.splice(before);
    console.log(
      `secrets scan: ${handles.length} runs (histories and results), current details, this process's output and ${logSizes.size} stack logs: ${scanned} texts, ${hits.length} hits`,
    );
    assert.deepEqual(hits, []);
  });
});
