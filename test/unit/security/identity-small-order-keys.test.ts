// Finding "small-order Ed25519 public keys accepted in the pairs file": Node's crypto.verify takes any 32 bytes as
// a key, and with the identity point as an approver's key a signature made without any private key verifies. The
// pairs file now refuses the 8 small-order points, non-canonical encodings and non-points, naming the approver
// and the fix; the worker's check refuses them too. Pure: no services.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { parsePairs } from '../../../src/config/file';
import { publicKeyProblem } from '../../../src/config/approver-key';
import { generateApproverKeys, verifyApproval } from '../../../src/security/approval-signature';
import { localKafkaPair } from '../../../stack/local-pairs';

const hex = (h: string) => `ed25519:${Buffer.from(h, 'hex').toString('base64')}`;
const ff = 'ff'.repeat(30);

/** The encodings of the 8 points of order 1, 2, 4 and 8 (libsodium's blocklist, canonical ones). */
const SMALL_ORDER = [
  `01${'00'.repeat(31)}`, // the identity (order 1)
  `ec${ff}7f`, // y = p-1 (order 2)
  '00'.repeat(32),
  `${'00'.repeat(31)}80`, // y = 0, both signs (order 4)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
];
/** Encodings of small-order points that are not canonical: y >= p, or a sign bit on x = 0. */
const NON_CANONICAL = [`ed${ff}7f`, `ee${ff}7f`, `01${'00'.repeat(30)}80`, `ec${ff}ff`];

function pairsFile(publicKey: string): string {
  const pair = {
    ...localKafkaPair('keys', ['keys-t']),
    approval: { identity: 'signed', approvers: [{ name: 'bob', publicKey }] },
  };
  return JSON.stringify({ pairs: [pair] });
}

describe('identity: small-order and malformed approver keys', () => {
  test('the danger is real: with the identity point as key, Node verifies a signature nobody made', () => {
    const identity = crypto.createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(SMALL_ORDER[0], 'hex').toString('base64url') },
      format: 'jwk',
    });
    const forged = Buffer.concat([Buffer.from(SMALL_ORDER[0], 'hex'), Buffer.alloc(32)]);
    let verified = 0;
    for (let i = 0; i < 40; i++)
      if (crypto.verify(null, Buffer.from(`approve plan ${i}`), identity, forged)) verified++;
    assert.ok(verified > 0, 'this Node accepts forged signatures for the identity key: the pairs file must refuse it');
  });

  test('each of the 8 small-order points is refused at pairs-file parse, naming the approver and the fix', () => {
    for (const h of SMALL_ORDER) {
      assert.match(publicKeyProblem(hex(h)) ?? '', /small-order point/, h);
      assert.throws(
        () => parsePairs(pairsFile(hex(h)), 'pairs.json'),
        (err: Error) => {
          assert.match(err.message, /approval\.approvers\[0\]\.publicKey/, h);
          assert.match(err.message, /bob's public key is a small-order point .*kdr keygen --out <file>/, h);
          return true;
        },
      );
    }
  });

  test('non-canonical encodings (y >= p, a sign bit on x = 0), non-points and non-canonical base64 are refused', () => {
    for (const h of NON_CANONICAL) {
      assert.match(publicKeyProblem(hex(h)) ?? '', /not a canonical Ed25519 encoding|small-order/, h);
      assert.throws(
        () => parsePairs(pairsFile(hex(h)), 'pairs.json'),
        /bob's public key is not a canonical Ed25519 encoding|bob's public key is a small-order/,
      );
    }
    // About half of all y values are no point of the curve: find one among small numbers.
    let notOnCurve: string | undefined;
    for (let y = 2; y < 200 && !notOnCurve; y++) {
      const b = Buffer.alloc(32);
      b[0] = y;
      if (/not a point of the Ed25519 curve/.test(publicKeyProblem(`ed25519:${b.toString('base64')}`) ?? ''))
        notOnCurve = `ed25519:${b.toString('base64')}`;
    }
    assert.ok(notOnCurve, 'a y that is no point is found');
    assert.throws(
      () => parsePairs(pairsFile(notOnCurve!), 'pairs.json'),
      /bob's public key is not a point of the Ed25519 curve/,
    );
    // Base64 whose unused bits are set names the same 32 bytes as another text: refused.
    const real = generateApproverKeys().publicKey;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const tampered = `${real.slice(0, -2)}${alphabet[alphabet.indexOf(real.at(-2)!) ^ 1]}=`;
    assert.match(publicKeyProblem(tampered) ?? '', /is not "ed25519:<44 base64 characters>"/);
  });

  test('1,000 keys made by kdr keygen are all accepted', () => {
    for (let i = 0; i < 1000; i++) {
      const { publicKey } = generateApproverKeys();
      assert.equal(publicKeyProblem(publicKey), undefined, publicKey);
    }
    const ok = parsePairs(pairsFile(generateApproverKeys().publicKey), 'pairs.json');
    assert.equal(ok.get('keys')?.approval.identity, 'signed');
  });

  test('the worker refuses a forged signature against a small-order key even if one got past the pairs file', () => {
    const signedAt = new Date().toISOString();
    const claim = {
      pair: 'p',
      workflowId: 'w',
      runId: 'r',
      planId: 'plan',
      by: 'bob',
      signedAt,
      signature: Buffer.concat([Buffer.from(SMALL_ORDER[0], 'hex'), Buffer.alloc(32)]).toString('base64'),
    };
    const verdict = verifyApproval(claim, [{ name: 'bob', publicKey: hex(SMALL_ORDER[0]) }], {
      maxAgeMs: 60_000,
      now: Date.now(),
    });
    assert.equal(verdict.ok, false);
  });
});
