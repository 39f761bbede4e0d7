// Pure parts of the cloud layer: parameter preparation, json-bigint normalisation, configuration errors,
// secret scrubbing, error classification and the Temporal failure mapping.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
// json-bigint is pop-core's own parser (no type declarations); use it exactly as pop-core does.
const JSONbig = require('json-bigint') as { parse(text: string): unknown };
import {
  CloudApiError,
  CloudConfigError,
  asJson,
  createCloudClients,
  endpointFor,
  fromPopCoreError,
  loadCredentials,
  normalizeJson,
  scrubSecrets,
  timeoutFrom,
  toPopParams,
} from '../../../src/cloud';
import { asActivityFailure } from '../../../activities/failures';

describe('toPopParams', () => {
  test('drops undefined/null, JSON-encodes objects and marked arrays, keeps lists for flattening', () => {
    const out = toPopParams({
      A: undefined,
      B: null,
      C: 'x',
      D: 3,
      E: false,
      F: ['i1', 'i2'],
      Source: { SourceKafkaParameters: { Topic: 't', Skip: undefined } },
      Offsets: asJson([{ Partition: 0, Offset: 5 }]),
      G: 12n,
      Tag: [{ Key: 'k', Value: undefined }],
    });
    assert.deepEqual(Object.keys(out).sort(), ['C', 'D', 'E', 'F', 'G', 'Offsets', 'Source', 'Tag']);
    assert.equal(out.Source, '{"SourceKafkaParameters":{"Topic":"t"}}');
    assert.equal(out.Offsets, '[{"Partition":0,"Offset":5}]');
    assert.deepEqual(out.F, ['i1', 'i2']);
    assert.equal(out.G, '12');
    assert.deepEqual(out.Tag, [{ Key: 'k' }]);
  });
});

describe('normalizeJson', () => {
  test('json-bigint output becomes plain objects; big numbers become exact strings, small ones numbers', () => {
    const raw = JSONbig.parse(
      '{"a":{"b":[1,{"c":12345678901234567890}]},"ts":1732680000000,"big":9007199254740993,"safe16":1000000000000000}',
    );
    assert.equal(Object.getPrototypeOf(raw), null);
    const n = normalizeJson(raw) as Record<string, unknown>;
    assert.deepEqual(n, {
      a: { b: [1, { c: '12345678901234567890' }] },
      ts: 1732680000000,
      big: '9007199254740993',
      safe16: 1000000000000000,
    });
  });
});

describe('configuration', () => {
  test('a missing credential names the variable', () => {
    assert.throws(
      () => loadCredentials({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' }),
      (e: Error) => e instanceof CloudConfigError && /ALIBABA_CLOUD_ACCESS_KEY_ID/.test(e.message),
    );
    assert.throws(() => createCloudClients({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' }), /ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    assert.equal(
      loadCredentials({
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'i',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's',
        ALIBABA_CLOUD_SECURITY_TOKEN: 't',
      }).securityToken,
      't',
    );
  });
  test('endpoints: real by default, overridable with {region}', () => {
    assert.equal(endpointFor('alikafka', 'cn-hangzhou', {}), 'https://alikafka.cn-hangzhou.aliyuncs.com');
    assert.equal(endpointFor('alidns', undefined, {}), 'https://alidns.aliyuncs.com');
    assert.equal(endpointFor('eventbridge', 'cn-shanghai', {}), 'https://eventbridge-console.cn-shanghai.aliyuncs.com');
    assert.equal(
      endpointFor('eventbridge', 'cn-shanghai', {
        KDR_EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:1/eventbridge/{region}/',
      }),
      'http://127.0.0.1:1/eventbridge/cn-shanghai',
    );
    assert.throws(() => endpointFor('alikafka', 'Hangzhou!', {}), /region "Hangzhou!"/);
    assert.throws(() => endpointFor('alidns', undefined, { KDR_ALIDNS_ENDPOINT: 'ftp://x' }), /KDR_ALIDNS_ENDPOINT/);
  });
  test('timeout from KDR_CLOUD_TIMEOUT_MS', () => {
    assert.equal(timeoutFrom({}), 10000);
    assert.equal(timeoutFrom({ KDR_CLOUD_TIMEOUT_MS: '2500' }), 2500);
    assert.throws(() => timeoutFrom({ KDR_CLOUD_TIMEOUT_MS: 'soon' }), /KDR_CLOUD_TIMEOUT_MS/);
  });
});

describe('errors', () => {
  test('secrets are scrubbed from pop-core messages', () => {
    const text =
      'Bad, URL: https://x/?AccessKeyId=LTAIabc&Action=A&Signature=xyz%3D&SecurityToken=tok&SignatureNonce=1';
    const s = scrubSecrets(text);
    for (const secret of ['LTAIabc', 'xyz', 'tok']) assert.ok(!s.includes(secret), s);
    const popErr = Object.assign(new Error(text), {
      code: 'Forbidden.RAM',
      data: { RequestId: 'R1', Message: 'no AccessKeyId=LTAIabc' },
      entry: { response: { statusCode: 403 } },
    });
    const e = fromPopCoreError(popErr, { product: 'alikafka', action: 'GetInstanceList' });
    assert.equal(e.code, 'Forbidden.RAM');
    assert.equal(e.httpStatus, 403);
    assert.equal(e.requestId, 'R1');
    assert.ok(!e.message.includes('LTAIabc'));
  });

  const cases: [string, number | undefined, boolean][] = [
    ['Throttling.User', 400, true],
    ['Throttling.Api', 400, true],
    ['ServiceUnavailable', 503, true],
    ['InternalError', 500, true],
    ['TooManyRequests', 429, true],
    ['ONS_SYSTEM_FLOW_CONTROL', 200, true],
    ['LastOperationNotFinished', 400, true],
    ['SomethingNew', 502, true],
    ['SignatureDoesNotMatch', 400, false],
    ['InvalidAccessKeyId.NotFound', 404, false],
    ['Forbidden.RAM', 403, false],
    ['InvalidParameter', 400, false],
    ['EventStreamingNotExisted', 200, false],
    ['InvalidTimeStamp.Expired', 400, false],
    ['DomainRecordConflict', 400, false],
  ];
  for (const [code, status, transient] of cases) {
    test(`${code} is ${transient ? 'transient' : 'permanent'}; the activity failure is ${transient ? 'retryable' : 'non-retryable'}`, () => {
      const e = new CloudApiError({ code, message: 'm', httpStatus: status, product: 'alikafka', action: 'X' });
      assert.equal(e.transient, transient);
      const f = asActivityFailure(e);
      assert.ok(f instanceof ApplicationFailure);
      assert.equal(f.type, code);
      assert.equal(f.nonRetryable, !transient);
      if (!transient) assert.match(f.message, /Fix: /);
    });
  }

  test('transport failures are transient', () => {
    const timeout = Object.assign(new Error('ReadTimeout(100)'), { name: 'RequestTimeoutError' });
    assert.equal(fromPopCoreError(timeout).code, 'RequestTimeout');
    assert.equal(fromPopCoreError(timeout).transient, true);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.equal(fromPopCoreError(reset).transient, true);
    const html = { name: 'SyntaxError', message: 'Unexpected <', at: 1, text: '<html>' };
    assert.equal(fromPopCoreError(html, { httpStatus: 502 }).transient, true);
    assert.equal(asActivityFailure(new CloudConfigError('X is not set')).nonRetryable, true);
  });
});
