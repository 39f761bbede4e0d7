// Issue 29, item 4 "Injection and leaks", findings 3 and 4: what an inline config (or a workflow input) may make
// the worker contact, read or act on. Units on the admission rules, then real runs on the dev server with the
// real kafka-dr worker: each bad input is refused at start, and a local HTTP server standing where the worker
// would send Connect calls records that nothing reached it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  FailoverInputSchema,
  PairConfigSchema,
  validate,
  type PairConfig,
  type PairConfigInput,
} from '../../../src/config';
import { parsePairs, PairsFileError } from '../../../src/config/file';
import { KafkaConnectClient, mirrorConfigs } from '../../../src/connectors/kafka-connect';
import {
  caFileAdmitted,
  connectUrlHost,
  inlinePolicyFrom,
  inlineProblems,
} from '../../../src/security/inline-admission';
import { stackCaFile } from '../../../stack/tls';
import { drFailover, drSetup } from '../../../workflows';
import type { RunReport } from '../../../workflows/definitions';
import { apsaramqPair, kafkaPair, testEnv, uniqueName, withKdrWorker } from '../../../stack/harness/kdr';
import { closeTemporal, temporal } from '../../../stack/harness/temporal';

const METADATA_URL = 'http://100.100.100.200\\latest\\meta-data\\ram\\security-credentials#.kdr.test';

/** A pair as the schema leaves it, then changed behind the schema's back: what admission must refuse on its own. */
function parsed(config: PairConfigInput): PairConfig {
  const r = validate(PairConfigSchema, config);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

interface Recorder {
  url: string;
  calls: string[];
  close(): Promise<void>;
}

async function recorder(): Promise<Recorder> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('finding 3: connectUrl is judged by the host fetch would use', () => {
  const policy = inlinePolicyFrom(testEnv());

  test('finding 3: the metadata-server URL with "\\" and "#.kdr.test" is refused by the schema and by admission', () => {
    const r = validate(PairConfigSchema, {
      ...kafkaPair('meta', ['t']),
      replication: { ...kafkaPair('meta', ['t']).replication, connectUrl: METADATA_URL },
    });
    assert.ok(!r.ok);
    assert.match(
      r.message,
      /replication\.connectUrl: must be http\(s\):\/\/host\[:port\]\[\/path\]: no "\\", "#", query or %-encoded host/,
    );
    const config = parsed(kafkaPair('meta', ['t']));
    config.replication.connectUrl = METADATA_URL;
    const problems = inlineProblems(config, policy, new Set());
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], /^config\.replication\.connectUrl: contains "\\"/);
    assert.throws(() => new KafkaConnectClient({ url: METADATA_URL }), /no "\\", "#", "\?", "@" or %-encoded host/);
  });

  test('finding 3: userinfo, fragments, queries, %-encoded hosts and other schemes are refused; the WHATWG host is checked', () => {
    for (const [url, why] of [
      ['http://kdr.test@100.100.100.200/', /"@"/],
      ['http://100.100.100.200#.kdr.test', /"#"/],
      ['http://a.kdr.test/?x=1', /"\?"/],
      ['http://%31%30%30.100.100.200/', /%-encoded host/],
      ['file:///etc/passwd', /scheme file/],
      ['ftp://a.kdr.test/', /scheme ftp/],
    ] as const) {
      const r = connectUrlHost(url);
      assert.ok('problem' in r, url);
      assert.match(r.problem, why, url);
    }
    // The WHATWG parser's host, not a split at "/": numeric forms are normalised before the allow-list sees them.
    assert.deepEqual(connectUrlHost('http://0x64.0x64.0x64.0xc8:8083/'), { host: '100.100.100.200' });
    assert.deepEqual(connectUrlHost('http://[::1]:8083'), { host: '::1' });
    assert.deepEqual(connectUrlHost('https://Connect.KDR.test:8083/base'), { host: 'connect.kdr.test' });
    const config = parsed(kafkaPair('hex', ['t']));
    config.replication.connectUrl = 'http://0x64.0x64.0x64.0xc8:8083';
    assert.match(
      inlineProblems(config, policy, new Set()).join('\n'),
      /connectUrl: host 100\.100\.100\.200 is not on the worker's allow-list/,
    );
  });
});

describe('finding 4: caFile, instances and "${" in inline configs and inputs', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-ca-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('finding 4: caFile must be a PEM certificate under an allowed directory, and every refusal reads the same', () => {
    const allowed = path.join(tmp, 'allowed');
    fs.mkdirSync(allowed);
    const pem = fs.readFileSync(stackCaFile(), 'utf8');
    fs.writeFileSync(path.join(allowed, 'ca.pem'), pem);
    fs.writeFileSync(path.join(allowed, 'notes.txt'), 'not a certificate');
    fs.writeFileSync(
      path.join(allowed, 'key.pem'),
      `${pem}-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n`,
    );
    fs.writeFileSync(path.join(allowed, 'locked.pem'), pem, { mode: 0o000 });
    fs.writeFileSync(path.join(tmp, 'outside.pem'), pem);
    fs.symlinkSync(path.join(tmp, 'outside.pem'), path.join(allowed, 'link.pem'));
    fs.mkdirSync(path.join(allowed, 'dir.pem'));
    assert.equal(caFileAdmitted(path.join(allowed, 'ca.pem'), [allowed]), true);
    const refused = [
      path.join(tmp, 'outside.pem'),
      '/etc/passwd',
      path.join(allowed, 'missing.pem'),
      path.join(allowed, 'notes.txt'),
      path.join(allowed, 'key.pem'),
      path.join(allowed, 'link.pem'),
      path.join(allowed, 'dir.pem'),
      `${allowed}/../outside.pem`,
      'ca.pem',
      path.join(allowed, 'ca.pem\u0000'),
      ...(process.getuid?.() === 0 ? [] : [path.join(allowed, 'locked.pem')]),
    ];
    const policy = { ...inlinePolicyFrom(testEnv()), caDirs: [allowed] };
    const messages = new Set<string>();
    for (const file of refused) {
      assert.equal(caFileAdmitted(file, [allowed]), false, file);
      const config = parsed(kafkaPair('ca', ['t']));
      config.primary.security = { protocol: 'ssl', caFile: file } as never;
      const problems = inlineProblems(config, policy, new Set());
      assert.equal(problems.length, 1, `${file}: ${problems.join('\n')}`);
      messages.add(problems[0]);
    }
    assert.equal(messages.size, 1, `one message for every reason: ${[...messages].join('\n')}`);
    assert.match(
      [...messages][0],
      /^config\.primary\.security\.caFile: not admitted: an inline config may name only a readable PEM file of CA certificates under a directory of the worker's KDR_INLINE_CA_DIRS/,
    );
    // No directory configured: no caFile at all.
    assert.equal(caFileAdmitted(path.join(allowed, 'ca.pem'), []), false);
  });

  test("finding 4: ApsaraMQ instances must be on the worker's instance allow-list (region/instanceId)", () => {
    const policy = inlinePolicyFrom(testEnv());
    assert.deepEqual(inlineProblems(parsed(apsaramqPair('inst', ['t'])), policy, new Set()), []);
    const other = parsed(apsaramqPair('inst', ['t']));
    other.secondary = { ...other.secondary, instanceId: 'alikafka_pre-cn-elsewhere001' } as never;
    const moved = parsed(apsaramqPair('inst', ['t']));
    moved.primary = { ...moved.primary, region: 'cn-beijing' } as never;
    assert.match(
      inlineProblems(other, policy, new Set()).join('\n'),
      /^config\.secondary\.instanceId: instance cn-shanghai\/alikafka_pre-cn-elsewhere001 is not on the worker's allow-list for inline configs \(KDR_INLINE_ALLOWED_INSTANCES/,
    );
    assert.match(
      inlineProblems(moved, policy, new Set()).join('\n'),
      /config\.primary\.instanceId: instance cn-beijing\/alikafka_pre-cn-kdrprimary01 is not on/,
    );
    assert.match(
      inlineProblems(parsed(apsaramqPair('inst', ['t'])), { ...policy, instances: [] }, new Set()).join('\n'),
      /primary\.instanceId[^\n]*\n?.*secondary\.instanceId/s,
    );
  });

  test('finding 4: "${" is refused in groups and topics (pairs file, inline, drFailover input), caFile, and in any connector setting', () => {
    const ref = '${env:ALIBABA_CLOUD_ACCESS_KEY_SECRET}';
    const base = kafkaPair('refs', ['t']);
    for (const [what, config, field] of [
      ['groups pattern', { ...base, groups: { pattern: `(${ref})|.*` } }, 'groups.pattern'],
      ['group name', { ...base, groups: [`g-${ref}`] }, 'groups[0]'],
      [
        'topics pattern',
        { ...base, replication: { ...base.replication, topics: { pattern: `x${ref}` } } },
        'replication.topics.pattern',
      ],
      [
        'caFile',
        { ...base, primary: { ...base.primary, security: { protocol: 'SSL', caFile: `/etc/${ref}` } } },
        'primary.security.caFile',
      ],
    ] as const) {
      const r = validate(PairConfigSchema, config);
      assert.ok(!r.ok, what);
      assert.ok(
        r.issues.some(
          (i) => i.path === field && /must not contain "\$\{": Kafka Connect would expand it/.test(i.message),
        ),
        `${what}: ${r.message}`,
      );
      assert.throws(
        () => parsePairs(JSON.stringify({ pairs: [config] }), 'pairs.jsonc'),
        (e: unknown) => e instanceof PairsFileError && e.message.includes(field),
        `${what} in a pairs file`,
      );
    }
    const input = validate(FailoverInputSchema, {
      pair: 'local-kafka',
      requestedBy: 'alice',
      groups: { pattern: ref },
    });
    assert.ok(!input.ok && input.issues.some((i) => i.path === 'groups.pattern'), 'drFailover input groups');
    // Behind every schema: the connector configs themselves refuse a reference kafka-dr did not write.
    assert.throws(
      () =>
        mirrorConfigs({
          pair: 'refs',
          primary: { bootstrapServers: ['a:1'] },
          secondary: { bootstrapServers: ['b:1'] },
          topics: ['t'],
          groups: { pattern: ref },
        }),
      /checkpoint connector setting groups contains "\$\{"/,
    );
    const sasl = mirrorConfigs({
      pair: 'refs',
      primary: {
        bootstrapServers: ['a:1'],
        security: { protocol: 'sasl_plaintext', mechanism: 'plain', usernameEnv: 'U', passwordEnv: 'P' },
      },
      secondary: { bootstrapServers: ['b:1'] },
      topics: ['t'],
    });
    assert.match(
      sasl.source['source.cluster.sasl.jaas.config'],
      /\$\{env:P\}/,
      "kafka-dr's own secret references stay",
    );
    // Admission walks every string of an inline config.
    const config = parsed(base);
    (config as { groups: unknown }).groups = { pattern: ref };
    assert.match(
      inlineProblems(config, inlinePolicyFrom(testEnv()), new Set()).join('\n'),
      /^config\.groups\.pattern: contains "\$\{"/,
    );
  });
});

describe('findings 3 and 4 on the dev server: refused at start, nothing contacted', () => {
  let hook: Recorder;
  before(async () => {
    hook = await recorder();
    await temporal();
  });
  after(async () => {
    await hook?.close();
    await closeTemporal();
  });

  async function failure(handle: WorkflowHandle): Promise<ApplicationFailure> {
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(
      err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure,
      `the run fails: ${String(err)}`,
    );
    return err.cause;
  }

  test('finding 3 and 4: a metadata URL, a foreign caFile, an unlisted instance and "${" in groups end the run at once; the recorder is never called', async () => {
    const name = uniqueName('sec-adm');
    // Every case points Connect at the recorder (an allowed host): had admission let one through, its calls would show.
    const viaRecorder = (p: PairConfigInput): PairConfigInput => ({
      ...p,
      replication: { ...p.replication, connectUrl: hook.url },
    });
    const kafka = viaRecorder(kafkaPair(name, [`${name}-t`]));
    const tlsDir = path.dirname(stackCaFile());
    const cases: {
      what: string;
      type: 'setup' | 'failover';
      input: unknown;
      failure: 'InvalidInput' | 'Refused';
      says: RegExp;
    }[] = [
      {
        what: 'metadata URL',
        type: 'setup',
        failure: 'InvalidInput',
        says: /replication\.connectUrl: must be http\(s\):\/\/host/,
        input: {
          config: {
            ...kafka,
            replication: { ...kafka.replication, connectUrl: `${hook.url}\\latest\\meta-data\\iam#.kdr.test` },
          },
        },
      },
      {
        what: 'caFile outside the allowed directory',
        type: 'setup',
        failure: 'Refused',
        says: /caFile: not admitted/,
        input: {
          config: { ...kafka, primary: { ...kafka.primary, security: { protocol: 'SSL', caFile: '/etc/passwd' } } },
        },
      },
      {
        what: 'caFile in the allowed directory that is no certificate',
        type: 'setup',
        failure: 'Refused',
        says: /caFile: not admitted/,
        input: {
          config: {
            ...kafka,
            primary: { ...kafka.primary, security: { protocol: 'SSL', caFile: path.join(tlsDir, 'sasl.pass') } },
          },
        },
      },
      {
        what: 'an instance not on the allow-list',
        type: 'setup',
        failure: 'Refused',
        says: /secondary\.instanceId: instance cn-shanghai\/alikafka_pre-cn-notours00001 is not on/,
        input: {
          config: (() => {
            const p = apsaramqPair(name, [`${name}-t`]);
            return { ...p, secondary: { ...p.secondary, instanceId: 'alikafka_pre-cn-notours00001' } };
          })(),
        },
      },
      {
        what: '"${" in the inline groups',
        type: 'setup',
        failure: 'InvalidInput',
        says: /groups\.pattern: must not contain "\$\{"/,
        input: { config: { ...kafka, groups: { pattern: '${env:ALIBABA_CLOUD_ACCESS_KEY_SECRET}' } } },
      },
      {
        what: '"${" in drFailover\'s groups',
        type: 'failover',
        failure: 'InvalidInput',
        says: /groups\[0\]: must not contain "\$\{"/,
        input: { config: kafka, requestedBy: 'alice', groups: ['${file:/etc/passwd:x}'] },
      },
    ];
    await withKdrWorker(
      async ({ client, taskQueue }) => {
        for (const c of cases) {
          const handle =
            c.type === 'setup'
              ? await client.workflow.start(drSetup, {
                  taskQueue,
                  workflowId: uniqueName('adm-setup'),
                  args: [c.input as never],
                })
              : await client.workflow.start(drFailover, {
                  taskQueue,
                  workflowId: uniqueName('adm-failover'),
                  args: [c.input as never],
                });
          const cause = await failure(handle);
          assert.equal(cause.type, c.failure, `${c.what}: ${cause.message}`);
          assert.match(cause.message, c.says, c.what);
          const report = cause.details?.[0] as RunReport | undefined;
          if (report?.steps) {
            for (const s of report.steps.filter((x) => x.name !== 'load-pair'))
              assert.equal(s.state, 'pending', `${c.what}: step ${s.name} never ran`);
          }
        }
      },
      { env: testEnv() },
    );
    assert.deepEqual(hook.calls, [], 'nothing reached the Connect URL');
  });
});
