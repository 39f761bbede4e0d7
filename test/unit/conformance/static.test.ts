// Conformance, static half: what kafka-dr's cloud layer sends and reads, against the request and response models of
// Alibaba Cloud's official generated SDKs (PyPI alibabacloud-alikafka20190916 2.16.0, -alidns20150109 4.6.1,
// -eventbridge20200401 8.7.0; installed on demand into .stack/alicloud-sdk/). Needs neither Kafka nor the emulator.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  AlidnsClient,
  AlikafkaClient,
  API_VERSIONS,
  asJson,
  EventBridgeClient,
  JsonParam,
  PopRpc,
  type CloudProduct,
} from '../../../src/cloud';
import { contractViolation } from '../../../src/cloud/contract';
import { repoRoot } from '../../../stack/local-stack';
import { z } from 'zod';
import { popEnvelope } from '../../../src/cloud/schemas';
import {
  contract,
  contractActions,
  paramProblems,
  readProblems,
  sentValueProblems,
} from '../../helpers/conformance/check';
import { plainParams, recorder, type RecordedCall } from '../../helpers/conformance/record';
import { PRIMARY, runScenario } from '../../helpers/conformance/scenario';
import { officialInput } from '../../helpers/conformance/official-input';
import { officialModel, runPythonAsync } from '../../helpers/conformance/sdk';
import { captureServer, wireDifferences } from './wire';

const PRODUCT_FILE: Record<CloudProduct, string> = {
  alikafka: 'alikafka.ts',
  alidns: 'alidns.ts',
  eventbridge: 'eventbridge.ts',
};

async function recordScenario(): Promise<{ calls: RecordedCall[]; used: Record<string, Set<string>> }> {
  const rec = recorder();
  const used = await runScenario(rec, {
    topic: 'kdr-conformance',
    group: 'kdr-conformance-group',
    stream: 'kdr-conformance',
    rr: 'conformance',
  });
  return { calls: rec.calls, used };
}

describe('conformance with the official Alibaba Cloud SDKs (static)', () => {
  it('the official SDK model is the pinned versions, and has every product kafka-dr calls', () => {
    const model = officialModel();
    assert.deepEqual(model.versions, {
      'alibabacloud-alikafka20190916': '2.16.0',
      'alibabacloud-alidns20150109': '4.6.1',
      'alibabacloud-eventbridge20200401': '8.7.0',
    });
    assert.equal(model.products.alikafka.version, '2019-09-16');
    assert.equal(model.products.alidns.version, '2015-01-09');
    assert.equal(model.products.eventbridge.version, '2020-04-01');
    // The extraction itself: a known shrink parameter and a known flattened list.
    const offsets = model.products.alikafka.actions.UpdateConsumerOffset.params.find((p) => p.name === 'Offsets');
    assert.equal(offsets?.encoding, 'json');
    assert.equal(
      model.products.alikafka.actions.GetInstanceList.params.find((p) => p.name === 'InstanceId')?.encoding,
      'list',
    );
  });

  it('every action src/cloud calls is declared in CLOUD_CONTRACT, and every declared action is called', () => {
    for (const product of Object.keys(PRODUCT_FILE) as CloudProduct[]) {
      const source = fs.readFileSync(path.join(repoRoot, 'src/cloud', PRODUCT_FILE[product]), 'utf8');
      const called = new Set([...source.matchAll(/\.call\(\s*'([A-Za-z]+)'/g)].map((m) => m[1]));
      assert.deepEqual(
        [...called].sort(),
        Object.keys(contract[product]).sort(),
        `${product}: actions called in src/cloud/${PRODUCT_FILE[product]} vs CLOUD_CONTRACT`,
      );
    }
    // No other file of the cloud layer calls an action.
    for (const file of fs.readdirSync(path.join(repoRoot, 'src/cloud'))) {
      if (Object.values(PRODUCT_FILE).includes(file)) continue;
      assert.doesNotMatch(
        fs.readFileSync(path.join(repoRoot, 'src/cloud', file), 'utf8'),
        /\.call\(\s*'[A-Z]/,
        `src/cloud/${file} calls an action`,
      );
    }
  });

  it('every declared parameter is a parameter of the official request, with the same name and encoding', () => {
    const model = officialModel();
    const problems = contractActions().flatMap(({ product, action }) => paramProblems(model, product, action));
    assert.deepEqual(problems, []);
  });

  it('the checks catch the mismatches they are for (a wrong name, encoding, nested field, value or response path)', () => {
    const model = officialModel();
    assert.match(
      paramProblems(model, 'alikafka', 'GetTopicList', { PageNum: 'string' }).join(),
      /sends PageNum, which GetTopicListRequest does not have/,
    );
    assert.match(
      paramProblems(model, 'alikafka', 'GetConsumerList', { CurrentPage: 'string' }).join(),
      /CurrentPage as string, the official client as integer/,
    );
    assert.match(
      paramProblems(model, 'eventbridge', 'CreateEventStreaming', { Source: 'string' }).join(),
      /Source as string, the official client as json/,
    );
    assert.match(
      paramProblems(model, 'alikafka', 'GetInstanceList', { InstanceId: 'json' }).join(),
      /InstanceId as json, the official client as list/,
    );
    assert.match(paramProblems(model, 'alikafka', 'DescribeKafka', {}).join(), /no such action/);
    const sink = {
      SinkKafkaParameters: {
        InstanceId: { Form: 'CONSTANT', Value: 'i' },
        Partition: { Form: 'CONSTANT', Value: '0' },
      },
    };
    assert.match(
      sentValueProblems(model, 'eventbridge', 'CreateEventStreaming', { Sink: sink }).join(),
      /Sink\.SinkKafkaParameters\.Partition is not a field of the official/,
    );
    assert.match(
      sentValueProblems(model, 'eventbridge', 'CreateEventStreaming', {
        RunOptions: { ErrorsTolerance: 'SOME' },
      }).join(),
      /"SOME" is not one of the official values \(NONE, ALL\)/,
    );
    assert.match(
      sentValueProblems(model, 'alikafka', 'UpdateConsumerOffset', { Offsets: [{ Partition: '0', Offset: 1 }] }).join(),
      /Offsets\[0\]\.Partition is a string, the official type is integer/,
    );
    const oldProgress = popEnvelope.extend({
      ConsumerProgress: z.looseObject({ State: z.string().optional(), TotalDiff: z.string() }),
    });
    const problems = readProblems(model, 'alikafka', 'GetConsumerProgress', oldProgress).problems.join('\n');
    assert.match(
      problems,
      /reads ConsumerProgress\.State, but GetConsumerProgressResponseBodyConsumerProgress has no State/,
    );
    assert.match(problems, /reads ConsumerProgress\.TotalDiff as string, the official model has integer/);
    assert.deepEqual(wireDifferences({ InstanceId: '["a"]' }, { 'InstanceId.1': 'a' }), [
      'kafka-dr sends InstanceId=["a"], the official client does not send InstanceId',
      'the official client sends InstanceId.1=a, kafka-dr does not',
    ]);
    assert.deepEqual(
      wireDifferences(
        { LocalTopic: 'true', Offsets: '[{"Partition":0,"Offset":1}]' },
        { LocalTopic: 'True', Offsets: '[{"Offset": 1, "Partition": 0}]' },
      ),
      [],
    );
    assert.deepEqual(wireDifferences({ PartitionNum: '12' }, { PartitionNum: '12.0' }), [
      'PartitionNum: kafka-dr sends 12, the official client 12.0',
    ]);
  });

  it('PopRpc refuses to send what CLOUD_CONTRACT does not declare', () => {
    const json = (v: unknown) => v instanceof JsonParam;
    assert.equal(
      contractViolation('alikafka', 'GetInstanceList', { RegionId: 'cn-hangzhou', InstanceId: ['a'] }, json),
      undefined,
    );
    assert.match(
      contractViolation('alikafka', 'GetInstanceList', { RegionId: 'cn-hangzhou', Series: 'v3' }, json) ?? '',
      /parameter Series is not declared/,
    );
    assert.match(contractViolation('alikafka', 'DeleteInstance', {}, json) ?? '', /DeleteInstance is not declared/);
    assert.match(
      contractViolation(
        'alikafka',
        'GetTopicList',
        { RegionId: 'cn-hangzhou', InstanceId: 'i', CurrentPage: 1 },
        json,
      ) ?? '',
      /CurrentPage is declared as string .* given as integer/,
    );
    assert.equal(
      contractViolation('alikafka', 'UpdateConsumerOffset', { Offsets: asJson([{ Partition: 0, Offset: 1 }]) }, json),
      undefined,
    );
  });

  it('every client method was exercised, and every declared parameter was sent at least once', async () => {
    const { calls, used } = await recordScenario();
    for (const cls of [AlikafkaClient, AlidnsClient, EventBridgeClient]) {
      const methods = Object.getOwnPropertyNames(cls.prototype)
        .filter((m) => m !== 'constructor')
        .sort();
      assert.deepEqual(
        [...(used[cls.name] ?? [])].filter((m) => methods.includes(m)).sort(),
        methods,
        `${cls.name}: methods the scenario (test/helpers/conformance/scenario.ts) must call`,
      );
    }
    for (const { product, action } of contractActions()) {
      const sent = new Set(
        calls
          .filter((c) => c.product === product && c.action === action)
          .flatMap((c) => Object.keys(plainParams(c.params))),
      );
      assert.deepEqual(
        Object.keys(contract[product][action]).filter((p) => !sent.has(p)),
        [],
        `${product} ${action}: declared but never sent by the scenario`,
      );
    }
  });

  it('every call kafka-dr makes sends every parameter the official request model says is required', async () => {
    const model = officialModel();
    const { calls } = await recordScenario();
    const problems = calls.flatMap((c) => {
      const required = model.products[c.product].actions[c.action].params
        .filter((p) => p.type.required)
        .map((p) => p.name);
      const sent = plainParams(c.params);
      return required
        .filter((name) => sent[name] === undefined || sent[name] === '')
        .map((name) => `${c.product} ${c.action}: official required parameter ${name} not sent`);
    });
    assert.deepEqual([...new Set(problems)], []);
    // The extraction found the required markers at all (alikafka CreateTopic documents four).
    assert.deepEqual(
      model.products.alikafka.actions.CreateTopic.params
        .filter((p) => p.type.required)
        .map((p) => p.name)
        .sort(),
      ['InstanceId', 'RegionId', 'Remark', 'Topic'],
    );
  });

  it('on the wire, kafka-dr (pop-core) and the official client send the same parameters for every call (lists as Name.1, JSON strings, booleans, numbers)', async () => {
    const model = officialModel();
    const { calls } = await recordScenario();
    const answer = { RequestId: 'conformance', RecordId: '1234567890123456789' };
    const server = await captureServer(answer);
    try {
      const endpoint = (c: RecordedCall) => `${server.url}/${c.product}${c.region ? `/${c.region}` : ''}`;
      const filled = (v: unknown): unknown =>
        typeof v === 'string'
          ? v.replace(/^\{\{\d+\.(\w+)\}\}$/, (_m, f: string) => String((answer as Record<string, unknown>)[f]))
          : v;
      for (const c of calls) {
        const rpc = new PopRpc({
          product: c.product,
          endpoint: endpoint(c),
          apiVersion: API_VERSIONS[c.product],
          timeoutMs: 10_000,
          credentials: { accessKeyId: 'LTAI-wire', accessKeySecret: 'wire' },
        });
        await rpc.call(c.action, Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, filled(v)])), z.any());
      }
      const steps = calls.map((c) => ({
        product: c.product,
        region: c.region,
        action: c.action,
        params: officialInput(model, c),
      }));
      const job = { url: server.url, accessKeyId: 'LTAI-wire', accessKeySecret: 'wire', signature: 'v1', steps };
      const results = JSON.parse(await runPythonAsync('official_client.py', [], JSON.stringify(job))) as {
        ok: boolean;
        error?: unknown;
      }[];
      assert.deepEqual(
        results.filter((r) => !r.ok),
        [],
        'the official client sent every call',
      );
      assert.equal(server.requests.length, 2 * calls.length);
      const problems = calls.flatMap((c, i) =>
        wireDifferences(server.requests[i].params, server.requests[calls.length + i].params).map(
          (d) => `${c.product} ${c.action}: ${d}`,
        ),
      );
      assert.deepEqual([...new Set(problems)], []);
      // The comparison saw the encodings it is about.
      const wire = server.requests.slice(0, calls.length).map((r) => r.params);
      assert.ok(
        wire.some((p) => p['InstanceId.1'] === PRIMARY.id),
        'a list flattened as InstanceId.1',
      );
      assert.ok(
        wire.some((p) => p.Offsets?.startsWith('[{')),
        'a JSON-string parameter',
      );
    } finally {
      await server.close();
    }
  });

  it('every value kafka-dr sends (JSON parameters field by field) fits the official request model and its documented values', async () => {
    const model = officialModel();
    const { calls } = await recordScenario();
    const problems = calls.flatMap((c) => sentValueProblems(model, c.product, c.action, plainParams(c.params)));
    assert.deepEqual([...new Set(problems)], []);
  });

  it('every response field kafka-dr reads exists in the official response model at the same path, with a kind it accepts', async () => {
    const model = officialModel();
    const { calls } = await recordScenario();
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const c of calls) {
      const key = `${c.product} ${c.action}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const { fields, problems: p } = readProblems(model, c.product, c.action, c.schema);
      assert.ok(fields.length > 0, `${key}: the response schema reads no field`);
      problems.push(...p);
    }
    assert.equal(seen.size, contractActions().length);
    assert.deepEqual(problems, []);
  });
});
