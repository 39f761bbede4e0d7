// The worker's RAM policy: the committed file is the one the code table renders, every API kafka-dr may call is
// either needed by a runbook or set aside with a reason, and the emulator evaluates policies as RAM does. Pure.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CloudApiError } from '../../../src/cloud/errors';
import {
  contractApis,
  NOT_IN_WORKER_POLICY,
  RAM_ACTIONS,
  ramActionsFor,
  renderWorkerPolicy,
  RUNBOOK_CALLS,
  RUNBOOKS,
  WORKER_POLICY_FILE,
  type CloudApi,
} from '../../../src/cloud/ram';
import { authorize, evaluate, parsePolicy, RAM_DENIED_MESSAGE } from '../../../stack/emulator/ram';

const repo = path.resolve(__dirname, '..', '..', '..');
const committed = () => fs.readFileSync(path.join(repo, WORKER_POLICY_FILE), 'utf8');

describe('the worker RAM policy', () => {
  test(`${WORKER_POLICY_FILE} is what src/cloud/ram.ts renders (regenerate it from the table when they differ)`, () => {
    assert.equal(
      committed(),
      renderWorkerPolicy(),
      `regenerate: npx tsx -e "import {renderWorkerPolicy} from './src/cloud/ram'; process.stdout.write(renderWorkerPolicy())" > ${WORKER_POLICY_FILE}`,
    );
  });

  test('every API in CLOUD_CONTRACT is called by a runbook or set aside with a reason, never both', () => {
    const called = new Set<CloudApi>(RUNBOOKS.flatMap((r) => RUNBOOK_CALLS[r].map((c) => c.api)));
    for (const api of contractApis()) {
      const reason = NOT_IN_WORKER_POLICY[api];
      assert.ok(
        called.has(api) || (reason !== undefined && reason.length > 10),
        `${api}: add it to a runbook in RUNBOOK_CALLS or to NOT_IN_WORKER_POLICY with a reason`,
      );
      assert.ok(!(called.has(api) && reason !== undefined), `${api} is both called by a runbook and set aside`);
    }
    for (const api of Object.keys(NOT_IN_WORKER_POLICY))
      assert.ok(contractApis().includes(api as CloudApi), `${api} is not in CLOUD_CONTRACT`);
  });

  test('the policy grants the RAM actions of the runbooks and no action only tests use', () => {
    const granted = parsePolicy(JSON.parse(committed()))
      .Statement.flatMap((s) => s.Action)
      .sort();
    assert.deepEqual(granted, ramActionsFor());
    const byRunbooks = new Set(ramActionsFor());
    // alikafka:ListGroup authorizes GetConsumerProgress as well as GetConsumerList: a shared action stays granted.
    const setAside = Object.keys(NOT_IN_WORKER_POLICY).map((api) => {
      const [p, a] = api.split(':');
      return (RAM_ACTIONS as Record<string, Record<string, { action: string }>>)[p][a].action;
    });
    assert.deepEqual(
      setAside.filter((a) => byRunbooks.has(a)),
      ['alikafka:ListGroup'],
    );
    for (const a of [
      'alikafka:DeleteTopic',
      'alikafka:DeleteGroup',
      'alidns:DeleteDomainRecord',
      'eventbridge:ListEventStreamings',
    ])
      assert.ok(!granted.includes(a), a);
  });

  test('drVerify needs no cloud API; a watch only reads', () => {
    assert.deepEqual(ramActionsFor(['drVerify']), []);
    // ListInstance: the cloud probe of autoFailover (GetInstanceList), a read like the rest.
    assert.deepEqual(ramActionsFor(['drWatch']), [
      'alikafka:ListGroup',
      'alikafka:ListInstance',
      'eventbridge:GetEventStreaming',
    ]);
  });

  test('docs/ram-policy.md names every granted action, every set-aside API and every runbook', () => {
    const doc = fs.readFileSync(path.join(repo, 'docs', 'ram-policy.md'), 'utf8');
    for (const a of ramActionsFor()) assert.ok(doc.includes(a), a);
    for (const api of Object.keys(NOT_IN_WORKER_POLICY)) assert.ok(doc.includes(api.split(':')[1]), api);
    for (const r of RUNBOOKS) assert.ok(doc.includes(r), r);
  });
});

describe('RAM policy evaluation (emulator)', () => {
  const policy = (...statements: unknown[]) => parsePolicy({ Version: '1', Statement: statements });
  const arn = 'acs:alikafka:cn-shanghai:1648000000000001:alikafka_pre-cn-kdrsecond001';

  test('Action wildcards match, case-insensitively; no matching Allow is an implicit deny', () => {
    const p = policy({ Effect: 'Allow', Action: ['alikafka:List*', 'alidns:Describe?ubDomainRecords'], Resource: '*' });
    assert.equal(evaluate(p, 'alikafka:ListGroup', arn), 'allow');
    assert.equal(evaluate(p, 'ALIKAFKA:listtopic'), 'allow');
    assert.equal(evaluate(p, 'alidns:DescribeSubDomainRecords'), 'allow');
    assert.equal(evaluate(p, 'alikafka:CreateGroup', arn), 'implicit-deny');
    assert.equal(
      evaluate(p, 'eventbridge:ListEventStreamings'),
      'implicit-deny',
      'a prefix of one product never matches another',
    );
  });

  test('an explicit Deny wins over any Allow', () => {
    const p = policy(
      { Effect: 'Allow', Action: 'alikafka:*', Resource: '*' },
      { Effect: 'Deny', Action: 'alikafka:Create*', Resource: arn },
    );
    assert.equal(evaluate(p, 'alikafka:CreateGroup', arn), 'deny');
    assert.equal(
      evaluate(p, 'alikafka:CreateGroup', arn.replace('kdrsecond001', 'kdrprimary01')),
      'allow',
      'the Deny names one instance only',
    );
    assert.equal(evaluate(p, 'alikafka:ListGroup', arn), 'allow');
  });

  test('Resource patterns match the request ARN; a request without a named resource matches only "*"', () => {
    const p = policy({
      Effect: 'Allow',
      Action: 'alikafka:*',
      Resource: 'acs:alikafka:cn-shanghai:*:alikafka_pre-cn-kdrsecond*',
    });
    assert.equal(evaluate(p, 'alikafka:CreateTopic', arn), 'allow');
    assert.equal(
      evaluate(p, 'alikafka:CreateTopic', 'acs:alikafka:cn-hangzhou:1:alikafka_pre-cn-kdrsecond001'),
      'implicit-deny',
    );
    assert.equal(evaluate(p, 'alikafka:ListInstance', undefined), 'implicit-deny');
  });

  test("authorize answers Forbidden.RAM as the gateway does: 403, alidns 400; no policy = the account's own key", () => {
    const p = policy({ Effect: 'Allow', Action: 'alikafka:ListGroup', Resource: '*' });
    assert.doesNotThrow(() =>
      authorize(p, 'alikafka', 'GetConsumerList', { RegionId: 'cn-shanghai', InstanceId: 'x' }),
    );
    assert.throws(
      () => authorize(p, 'alikafka', 'CreateConsumerGroup', { RegionId: 'cn-shanghai', InstanceId: 'x' }),
      (e: Error & { code?: string; httpStatus?: number }) =>
        e.code === 'Forbidden.RAM' && e.httpStatus === 403 && e.message === RAM_DENIED_MESSAGE,
    );
    assert.throws(
      () => authorize(p, 'alidns', 'UpdateDomainRecord', { RecordId: '1' }),
      (e: Error & { httpStatus?: number }) => e.httpStatus === 400,
    );
    assert.doesNotThrow(() => authorize(undefined, 'alidns', 'DeleteDomainRecord', { RecordId: '1' }));
  });

  test('a malformed policy is refused naming the field', () => {
    assert.throws(() => parsePolicy({ Version: '2', Statement: [] }), /policy\.Version must be "1"/);
    assert.throws(
      () => parsePolicy({ Version: '1', Statement: [{ Effect: 'allow', Action: '*', Resource: '*' }] }),
      /Statement\[0\]\.Effect/,
    );
    assert.throws(
      () => parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }),
      /Statement\[0\]\.Action/,
    );
    assert.throws(
      () => parsePolicy({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: {} }] }),
      /Condition/,
    );
  });
});

describe('a RAM denial in the cloud layer', () => {
  test('is permanent and names the policy line to add', () => {
    const err = new CloudApiError({
      code: 'Forbidden.RAM',
      message: RAM_DENIED_MESSAGE,
      product: 'alikafka',
      action: 'CreateConsumerGroup',
      httpStatus: 403,
    });
    assert.equal(err.retryable, false);
    assert.equal(err.type, 'Forbidden.RAM');
    assert.ok(
      err.message.includes(`add "alikafka:CreateGroup" to the worker's RAM policy (${WORKER_POLICY_FILE}`),
      err.message,
    );
    const dns = new CloudApiError({
      code: 'Forbidden.RAM',
      message: RAM_DENIED_MESSAGE,
      product: 'alidns',
      action: 'UpdateDomainRecord',
      httpStatus: 400,
    });
    assert.equal(dns.retryable, false);
    assert.ok(dns.message.includes('add "alidns:UpdateDomainRecord"'), dns.message);
  });
});
