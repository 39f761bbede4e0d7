// The emulator's gateway checks, driven through pop-core (the cloud layer) and through hand-signed requests.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { local } from '../../../stack/local-stack';
import { CloudApiError } from '../../../src/cloud';
import { signRpc } from '../../../src/cloud/signature';
import { rejection, startTestEmulator, type TestEmulator } from '../../../stack/harness/emulator';
import { asActivityFailure } from '../../../activities/failures';
import { sendV3 } from './acs3-request';

function signedParams(
  overrides: Record<string, string> = {},
  secret = local.accessKeySecret,
  method = 'POST',
): Record<string, string> {
  const p: Record<string, string> = {
    Action: 'DescribeSubDomainRecords',
    Format: 'JSON',
    Version: '2015-01-09',
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: String(Math.floor(Math.random() * 1e12)),
    AccessKeyId: local.accessKeyId,
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SubDomain: 'www.kdr.test',
    ...overrides,
  };
  p.Signature = signRpc(method, p, secret);
  return p;
}

async function post(
  url: string,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/alidns`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('emulator authentication', () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator({ dnsPort: undefined });
  });
  after(() => emu.close());

  test('the configured key pair works through pop-core', async () => {
    const page = await emu.clients.alidns().describeSubDomainRecords({ subDomain: 'nothing.kdr.test' });
    assert.equal(page.total, 0);
  });

  test('a wrong secret: SignatureDoesNotMatch, permanent, no key material in the message', async () => {
    const err = await rejection(
      emu
        .clientsWith({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong' })
        .alidns()
        .describeSubDomainRecords({ subDomain: 'a.kdr.test' }),
    );
    assert.ok(err instanceof CloudApiError);
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.transient, false);
    assert.equal(err.httpStatus, 400);
    assert.match(err.message, /ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    assert.ok(!err.message.includes(local.accessKeyId));
    assert.equal(asActivityFailure(err).nonRetryable, true);
  });

  test('an unknown AccessKey id: InvalidAccessKeyId.NotFound (404)', async () => {
    const err = await rejection(
      emu
        .clientsWith({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAInobody' })
        .alidns()
        .describeSubDomainRecords({ subDomain: 'a.kdr.test' }),
    );
    assert.equal(err.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(err.httpStatus, 404);
    assert.equal(err.transient, false);
  });

  test('a correctly signed but stale request: InvalidTimeStamp.Expired', async () => {
    const stale = new Date(Date.now() - 20 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const r = await post(emu.emulator.url, signedParams({ Timestamp: stale }));
    assert.equal(r.status, 400);
    assert.equal(r.body.Code, 'InvalidTimeStamp.Expired');
    assert.equal(typeof r.body.RequestId, 'string');
  });

  test('a replayed request: SignatureNonceUsed', async () => {
    const p = signedParams();
    assert.equal((await post(emu.emulator.url, p)).status, 200);
    const again = await post(emu.emulator.url, p);
    assert.equal(again.status, 400);
    assert.equal(again.body.Code, 'SignatureNonceUsed');
  });

  test('GET with the query string is accepted too, and signed with GET', async () => {
    const p = signedParams({}, local.accessKeySecret, 'GET');
    const res = await fetch(`${emu.emulator.url}/alidns/?${new URLSearchParams(p).toString()}`);
    assert.equal(res.status, 200);
    const wrongMethod = signedParams({}, local.accessKeySecret, 'GET');
    assert.equal((await post(emu.emulator.url, wrongMethod)).body.Code, 'SignatureDoesNotMatch');
  });

  test('a tampered parameter breaks the signature', async () => {
    const p = signedParams();
    p.SubDomain = 'other.kdr.test';
    assert.equal((await post(emu.emulator.url, p)).body.Code, 'SignatureDoesNotMatch');
  });
});

describe("emulator authentication, signature V3 (ACS3-HMAC-SHA256, the official SDKs' default)", () => {
  let emu: TestEmulator;
  before(async () => {
    emu = await startTestEmulator({ dnsPort: undefined });
  });
  after(() => emu.close());
  const dns = { action: 'DescribeSubDomainRecords', version: '2015-01-09', query: { SubDomain: 'primary.kdr.test' } };

  test('v3 requests were refused with MissingParameter Action: now accepted, Action and Version from x-acs-* headers, parameters from the query', async () => {
    const r = await sendV3(emu.emulator.url, dns);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.TotalCount, 1);
    assert.equal((r.body.DomainRecords as { Record: { Value: string }[] }).Record[0].Value, '127.0.0.2');
    // The same product through its routing path, and parameters in a form body.
    const form = await sendV3(emu.emulator.url, {
      ...dns,
      query: {},
      body: { SubDomain: 'secondary.kdr.test' },
      path: '/alidns',
    });
    assert.equal(form.status, 200, JSON.stringify(form.body));
    assert.equal((form.body.DomainRecords as { Record: { Value: string }[] }).Record[0].Value, '127.0.0.3');
  });

  test('v3 refusals over HTTP: unknown key, wrong secret, stale x-acs-date, reused nonce, tampered query', async () => {
    const url = emu.emulator.url;
    const unknown = await sendV3(url, { ...dns, keyId: 'LTAInobody' });
    assert.deepEqual([unknown.status, unknown.body.Code], [404, 'InvalidAccessKeyId.NotFound']);
    const wrong = await sendV3(url, { ...dns, secret: 'wrong' });
    assert.deepEqual([wrong.status, wrong.body.Code], [400, 'SignatureDoesNotMatch']);
    const stale = await sendV3(url, { ...dns, date: new Date(Date.now() - 20 * 60_000) });
    assert.deepEqual([stale.status, stale.body.Code], [400, 'InvalidTimeStamp.Expired']);
    const nonce = `kdr-${Date.now()}`;
    assert.equal((await sendV3(url, { ...dns, nonce })).status, 200);
    const replay = await sendV3(url, { ...dns, nonce });
    assert.deepEqual([replay.status, replay.body.Code], [400, 'SignatureNonceUsed']);
    const tampered = await sendV3(url, {
      ...dns,
      tamper: (r) => {
        r.query.SubDomain = 'secondary.kdr.test';
      },
    });
    assert.equal(tampered.body.Code, 'SignatureDoesNotMatch');
    const unsigned = await sendV3(url, {
      ...dns,
      tamper: (r) => {
        r.headers.authorization = r.headers.authorization.replace('x-acs-action;', '');
      },
    });
    assert.equal(unsigned.body.Code, 'IncompleteSignature');
  });
});
