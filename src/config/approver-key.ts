// Which Ed25519 public keys may stand for an approver. Node's crypto.verify accepts any 32 bytes as a key,
// including the small-order points (the identity, order 2, 4 and 8): with such a key a signature can be
// forged without any private key (RFC 8032 verifiers differ on them; see "Taming the many EdDSAs",
// https://eprint.iacr.org/2020/1244). A key is accepted only when it is the canonical encoding of a point on
// the curve that is not of small order. Pure (BigInt only, no Buffer): the pairs-file schema runs in workflows.

const P = (1n << 255n) - 19n;
/** The curve constant d = -121665/121666 mod p. */
const D = mod(-121665n * inverse(121666n));
/** The y coordinates of the 8 small-order points: order 4 (y=0, two points), 1 (identity), 2, and 8 (four points). */
const SMALL_ORDER_Y = new Set([
  0n,
  1n,
  P - 1n,
  2707385501144840649318225287225658788936804267575313519463743609750303402022n,
  55188659117513257062467267217118295137698188065244968500265048394206261417927n,
]);

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function power(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

function inverse(a: bigint): bigint {
  return power(a, P - 2n);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** 44 base64 characters ending in "=" as 32 bytes; undefined when they are not exactly that. */
function bytesOf(base64: string): number[] | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(base64)) return undefined;
  let bits = 0;
  let acc = 0;
  const out: number[] = [];
  for (const c of base64.slice(0, 43)) {
    acc = (acc << 6) | B64.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  // 43 characters carry 258 bits: the last 2 must be zero, or two texts would name one key.
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/**
 * Why `text` ("ed25519:<44 base64 characters>") cannot be an approver's public key, or undefined when it can.
 * Refuses: another format, non-canonical base64, a y coordinate >= p, a sign bit on a point whose x is 0, a y
 * that is no point of the curve, and the 8 small-order points.
 */
export function publicKeyProblem(text: string): string | undefined {
  const m = /^ed25519:(.*)$/s.exec(text);
  const bytes = m ? bytesOf(m[1]) : undefined;
  if (!bytes || bytes.length !== 32) return 'is not "ed25519:<44 base64 characters>" as printed by kdr keygen';
  const sign = bytes[31] >> 7;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? bytes[i] & 0x7f : bytes[i]);
  if (y >= P) return 'is not a canonical Ed25519 encoding (its y coordinate is not below 2^255-19)';
  if (SMALL_ORDER_Y.has(y)) {
    return (
      'is a small-order point (the identity or a point of order 2, 4 or 8), not a real public key: with it a signature ' +
      'verifies without any private key'
    );
  }
  const y2 = (y * y) % P;
  const x2 = mod((y2 - 1n) * inverse(mod(D * y2 + 1n)));
  if (x2 === 0n && sign === 1) return 'is not a canonical Ed25519 encoding (sign bit set on x = 0)';
  if (x2 !== 0n && power(x2, (P - 1n) / 2n) !== 1n) return 'is not a point of the Ed25519 curve';
  return undefined;
}
