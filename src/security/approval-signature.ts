// Signed approvals (approval.identity "signed"): an approver signs (pair, run, planId, their name, the time)
// with their Ed25519 private key (`kdr approve --key`); the worker checks the signature against the public key
// the pairs file lists for that name. node:crypto only: never imported by workflow code.
import * as crypto from 'node:crypto';
import { normaliseName } from '../config/identity';
import { publicKeyProblem } from '../config/approver-key';

export interface SignedFields {
  pair: string;
  workflowId: string;
  runId: string;
  planId: string;
  /** The approver's name as typed; signed in its normalised form, so "Bob" and "bob" sign the same text. */
  by: string;
  /** ISO-8601 UTC, e.g. 2026-01-31T12:00:00.000Z. */
  signedAt: string;
}

/** The exact bytes that are signed: one field per line, fixed order, a version tag first. */
export function approvalMessage(f: SignedFields): Buffer {
  return Buffer.from(
    [
      'kafka-dr approval v1',
      `pair ${f.pair}`,
      `workflow ${f.workflowId}`,
      `run ${f.runId}`,
      `plan ${f.planId}`,
      `approver ${normaliseName(f.by)}`,
      `signed-at ${f.signedAt}`,
    ].join('\n'),
    'utf8',
  );
}

/**
 * What else a key holder signs besides an approval, each under its own first line so a signature for one can
 * never be presented as another: a run's request (who asks; runId and planId empty, the run does not exist yet),
 * a reject, a resolve of a blocked step, a stop of a pair's watch, a resume of its automatic failover.
 */
export type SignedPurpose = 'request' | 'reject' | 'resolve' | 'stop-watch' | 'auto-resume';

export interface DecisionFields extends SignedFields {
  /** Absent: an approval (the v1 text above, unchanged). */
  purpose?: SignedPurpose;
  /** What is decided: "request", the reject's plan, "<step> <action>" for a resolve, "stop" for a watch. */
  subject?: string;
}

/** The exact bytes signed for any decision: an approval's as before, the other purposes with their own tag. */
/** What a signed approval (or request, reject, resolve) claims; the signature covers every field but `signature`. */
export type ApprovalClaim = DecisionFields & { signature: string };

export function decisionMessage(f: DecisionFields): Buffer {
  if (f.purpose === undefined) return approvalMessage(f);
  return Buffer.from(
    [
      `kafka-dr ${f.purpose} v1`,
      `pair ${f.pair}`,
      `workflow ${f.workflowId}`,
      `run ${f.runId}`,
      `plan ${f.planId}`,
      `subject ${f.subject ?? ''}`,
      `by ${normaliseName(f.by)}`,
      `signed-at ${f.signedAt}`,
    ].join('\n'),
    'utf8',
  );
}

export function signDecision(privateKey: crypto.KeyObject, fields: DecisionFields): string {
  return crypto.sign(null, decisionMessage(fields), privateKey).toString('base64');
}

export class ApprovalKeyError extends Error {
  override name = 'ApprovalKeyError';
}

/** `ed25519:<base64 raw key>` (the pairs-file form) as a KeyObject. */
export function publicKeyFrom(text: string): crypto.KeyObject {
  const m = /^ed25519:([A-Za-z0-9+/]{43}=)$/.exec(text);
  if (!m) throw new ApprovalKeyError('expected "ed25519:<44 base64 characters>" (as printed by kdr keygen)');
  // Also checked when the pairs file is read; here too, so no path verifies against a small-order key.
  const problem = publicKeyProblem(text);
  if (problem) throw new ApprovalKeyError(`the public key ${problem}`);
  const raw = Buffer.from(m[1], 'base64');
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The pairs-file form of a public key. */
export function publicKeyText(key: crypto.KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { x?: string; crv?: string };
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new ApprovalKeyError('not an Ed25519 key');
  return `ed25519:${Buffer.from(jwk.x, 'base64url').toString('base64')}`;
}

/** A private key from PEM (PKCS#8, as kdr keygen writes it); the message never quotes the file's content. */
export function privateKeyFrom(pem: string, source: string): crypto.KeyObject {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch {
    throw new ApprovalKeyError(`${source} is not a PEM private key: create one with kdr keygen`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ApprovalKeyError(
      `${source} is a ${key.asymmetricKeyType ?? 'unknown'} key; approvals need Ed25519 (kdr keygen)`,
    );
  return key;
}

export function generateApproverKeys(): { privatePem: string; publicKey: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: publicKeyText(publicKey),
  };
}

export function signApproval(privateKey: crypto.KeyObject, fields: SignedFields): string {
  return crypto.sign(null, approvalMessage(fields), privateKey).toString('base64');
}

export interface Verdict {
  ok: boolean;
  /** Why the approval is refused (never contains the signature). */
  reason?: string;
}

/** Clock skew tolerated for a signature "from the future". */
const FUTURE_SKEW_MS = 60_000;

/** Checks one signed approval (or other decision): known approver, good signature, fresh. `now` is the worker's clock. */
export function verifyApproval(
  claim: DecisionFields & { signature: string },
  approvers: readonly { name: string; publicKey: string }[],
  options: { maxAgeMs: number; now: number },
): Verdict {
  const who = normaliseName(claim.by);
  const approver = approvers.find((a) => normaliseName(a.name) === who);
  if (!approver)
    return {
      ok: false,
      reason: `${claim.by} has no public key in the pair's approval.approvers (unknown key): only listed approvers can sign`,
    };
  const at = Date.parse(claim.signedAt);
  if (!Number.isFinite(at)) return { ok: false, reason: 'signedAt is not a time' };
  let good = false;
  try {
    good = crypto.verify(
      null,
      decisionMessage(claim),
      publicKeyFrom(approver.publicKey),
      Buffer.from(claim.signature, 'base64'),
    );
  } catch {
    good = false;
  }
  if (!good) {
    return {
      ok: false,
      reason:
        `the signature does not verify with ${approver.name}'s public key (forged, signed with another key, ` +
        `or for another pair, run, plan or approver${claim.purpose ? `, or not for a ${claim.purpose}` : ''})`,
    };
  }
  if (options.now - at > options.maxAgeMs) {
    return {
      ok: false,
      reason:
        `the signature is expired: signed at ${claim.signedAt}, older than approval.signatureMaxAge ` +
        `(${Math.round(options.maxAgeMs / 1000)}s); sign again`,
    };
  }
  if (at - options.now > FUTURE_SKEW_MS)
    return {
      ok: false,
      reason: `the signature is dated in the future (${claim.signedAt}): check the approver's clock`,
    };
  return { ok: true };
}
