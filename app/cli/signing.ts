// The approver's private key on the operator's machine: read from --key or $KDR_APPROVER_KEY, used to sign what a
// pair with signed identity asks to be signed (approvals in approve-command.ts; requests, rejects, resolves, stops here).
import * as fs from 'node:fs';
import { privateKeyFrom, signDecision, type DecisionFields } from '../../src/security/approval-signature';
import { CliError, ExitCode } from './errors';

export const APPROVER_KEY_ENV = 'KDR_APPROVER_KEY';

export function readKey(path: string) {
  let pem: string;
  try {
    pem = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read the private key ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): give --key <file> or set ${APPROVER_KEY_ENV}`,
      ExitCode.usage,
    );
  }
  try {
    return privateKeyFrom(pem, path);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.usage);
  }
}

/**
 * Signs a decision other than an approval (a run's request, a reject, a resolve, a watch stop) with the key at
 * `keyPath`: what a signed pair asks of every decision (src/security/approval-signature.ts, decisionMessage).
 */
export function signWithKey(
  keyPath: string,
  fields: Omit<DecisionFields, 'signedAt'>,
): { signedAt: string; signature: string } {
  const signedAt = new Date().toISOString();
  return { signedAt, signature: signDecision(readKey(keyPath), { ...fields, signedAt }) };
}

/** A run's request signed by the requester when a key is given (--key or $KDR_APPROVER_KEY); nothing without one. */
export function requestSignature(
  key: string | undefined,
  env: NodeJS.ProcessEnv,
  request: { pair: string; workflowId: string; requestedBy: string },
) {
  const keyPath = key ?? env[APPROVER_KEY_ENV];
  if (!keyPath) return {};
  return {
    requestSignature: signWithKey(keyPath, {
      purpose: 'request',
      subject: 'request',
      pair: request.pair,
      workflowId: request.workflowId,
      runId: '',
      planId: '',
      by: request.requestedBy,
    }),
  };
}
