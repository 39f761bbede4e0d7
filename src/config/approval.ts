// The approval policy of a DR pair. It belongs to the pair (the worker's pairs file, owned by whoever deploys the
// worker); a run's input may only TIGHTEN it: more approvals, a shorter timeout, fewer allowed approvers, never
// self-approval when the pair forbids it. Anything looser is refused, naming the field.
// Pure (zod only): safe in workflow code.
import { z } from 'zod';
import { duration, flag, integer, listOf, matching, oneOf } from './fields';
import { nameProblem, normaliseName, personName } from './identity';
import { publicKeyProblem } from './approver-key';

/** Upper bound of any approval wait: a longer timer would outlive every sensible change window. */
export const MAX_APPROVAL_TIMEOUT_MS = 7 * 86_400_000;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 3_600_000;
/** How old a signed approval may be when the worker checks it. */
export const DEFAULT_SIGNATURE_MAX_AGE_MS = 300_000;
export const MAX_SIGNATURE_MAX_AGE_MS = 3_600_000;

export const IDENTITIES = ['declared', 'signed'] as const;
export type Identity = (typeof IDENTITIES)[number];

/** An Ed25519 public key as `ed25519:<base64 of the 32 raw bytes>` (what `kdr keygen` prints). */
export const PUBLIC_KEY = /^ed25519:[A-Za-z0-9+/]{43}=$/;

export const ApproverSchema = z.strictObject({
  name: personName("the approver's name"),
  publicKey: matching(
    PUBLIC_KEY,
    'expected an Ed25519 public key "ed25519:<44 base64 characters>" as printed by kdr keygen',
  ),
});

const PairApprovalObject = z.strictObject({
  required: integer(1, 10).default(1),
  /** Who may approve under `declared` identity; under `signed` the approvers list is the allow-list. */
  allowList: listOf(personName('an approver name'), 'approver names').optional(),
  forbidSelfApproval: flag().default(true),
  timeout: duration(1_000, MAX_APPROVAL_TIMEOUT_MS).default(DEFAULT_APPROVAL_TIMEOUT_MS),
  /** declared: the name an approver types (drills, the local stack, the Temporal UI); signed: Ed25519 signatures. */
  identity: oneOf(IDENTITIES).default('declared'),
  approvers: listOf(ApproverSchema, 'approvers { "name", "publicKey" }').optional(),
  signatureMaxAge: duration(1_000, MAX_SIGNATURE_MAX_AGE_MS).default(DEFAULT_SIGNATURE_MAX_AGE_MS),
});

export const PairApprovalSchema = PairApprovalObject.superRefine((a, ctx) => {
  const issue = (path: PropertyKey[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message, input: undefined });
  if (a.identity === 'signed') {
    if (!a.approvers)
      issue(
        ['approvers'],
        'required with identity "signed": the approvers and their Ed25519 public keys (kdr keygen prints one)',
      );
    if (a.allowList)
      issue(['allowList'], 'not used with identity "signed": the approvers list is the allow-list; remove it');
  } else if (a.approvers) {
    issue(['approvers'], 'only used with identity "signed": set identity to "signed" or remove approvers');
  }
  const names = a.approvers?.map((p) => normaliseName(p.name)) ?? [];
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) issue(['approvers', i, 'name'], `"${a.approvers![i].name}" is listed twice`);
  });
  a.approvers?.forEach((p, i) => {
    const problem = PUBLIC_KEY.test(p.publicKey) ? publicKeyProblem(p.publicKey) : undefined;
    if (problem) {
      issue(
        ['approvers', i, 'publicKey'],
        `${p.name}'s public key ${problem}; refused. Create ${p.name}'s key pair with ` +
          'kdr keygen --out <file> and list the public key it prints',
      );
    }
  });
  const keys = a.approvers?.map((p) => p.publicKey) ?? [];
  keys.forEach((k, i) => {
    if (keys.indexOf(k) !== i)
      issue(
        ['approvers', i, 'publicKey'],
        'the same key is listed for two approvers: every approver needs their own key pair',
      );
  });
  const pool = a.approvers?.length ?? a.allowList?.length;
  if (pool !== undefined && pool < a.required) {
    issue(
      [a.approvers ? 'approvers' : 'allowList'],
      `names ${pool} approver(s) but ${a.required} approval(s) are required`,
    );
  }
});

export type PairApproval = z.output<typeof PairApprovalSchema>;

/** The policy of a pair whose config has no "approval" section. */
export const DEFAULT_PAIR_APPROVAL: PairApproval = {
  required: 1,
  forbidSelfApproval: true,
  timeout: DEFAULT_APPROVAL_TIMEOUT_MS,
  identity: 'declared',
  signatureMaxAge: DEFAULT_SIGNATURE_MAX_AGE_MS,
};

/** What a run's input may ask for: every field optional, each one only able to tighten the pair's policy. */
export const ApprovalRequestSchema = z.strictObject({
  required: integer(1, 10).optional(),
  allowList: listOf(personName('an approver name'), 'approver names').optional(),
  forbidSelfApproval: flag().optional(),
  timeout: duration(1_000, MAX_APPROVAL_TIMEOUT_MS).optional(),
});
export type ApprovalRequest = z.output<typeof ApprovalRequestSchema>;

const SIGNED_AT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z$/;

/**
 * A run's request signed by the requester (`kdr failover|failback --key`): on a signed pair it proves who asks, so
 * forbidSelfApproval can leave exactly that key out. Covers (pair, workflow id, requester, time), purpose "request".
 */
export const RequestSignatureSchema = z.strictObject({
  signedAt: matching(SIGNED_AT, 'expected the UTC time the request was signed, e.g. "2026-01-31T12:00:00.000Z"'),
  signature: matching(
    /^[A-Za-z0-9+/]{86}==$/,
    'expected the base64 Ed25519 signature kdr failover --key makes (88 characters)',
  ),
});
export type RequestSignature = z.output<typeof RequestSignatureSchema>;

/** The policy a run waits under: the pair's, tightened by the input. What the step runner judges approvals with. */
export interface ApprovalPolicy {
  required: number;
  allowList?: string[];
  forbidSelfApproval: boolean;
  timeout: number;
  identity: Identity;
  approvers?: { name: string; publicKey: string }[];
  signatureMaxAge: number;
  /**
   * A signed pair whose requester is not proven (an unsigned requestedBy): anyone could have typed the name, so
   * under forbidSelfApproval one approval more than the pair's `required` is asked for (see effectivePolicy).
   */
  requesterUnproven?: boolean;
}

export type PolicyDecision =
  { ok: true; policy: ApprovalPolicy } | { ok: false; problems: { path: string; message: string }[] };

/**
 * The pair's policy tightened by the input's request, or every way the request tries to loosen it. Also refuses
 * a policy that cannot be met (fewer possible approvers than required approvals once the requester is left out).
 */
export function effectivePolicy(
  pair: PairApproval,
  request: ApprovalRequest = {},
  requestedBy?: string,
  options: { requesterUnproven?: boolean } = {},
): PolicyDecision {
  const problems: { path: string; message: string }[] = [];
  const refuse = (field: string, message: string) => problems.push({ path: `approval.${field}`, message });
  const pairPool = pair.approvers?.map((a) => a.name) ?? pair.allowList;

  if (request.required !== undefined && request.required < pair.required) {
    refuse(
      'required',
      `${request.required} would loosen the pair's policy, which requires ${pair.required} approval(s): the input may only ask for more`,
    );
  }
  if (request.timeout !== undefined && request.timeout > pair.timeout) {
    refuse(
      'timeout',
      `${request.timeout}ms would loosen the pair's policy (timeout ${pair.timeout}ms): the input may only shorten it`,
    );
  }
  if (request.forbidSelfApproval === false && pair.forbidSelfApproval) {
    refuse('forbidSelfApproval', "false would loosen the pair's policy: the pair forbids approving one's own failover");
  }
  if (request.allowList && pairPool) {
    const outside = request.allowList.filter((n) => !pairPool.some((p) => normaliseName(p) === normaliseName(n)));
    if (outside.length) {
      refuse(
        'allowList',
        `${outside.join(', ')} may not approve runs of this pair (allowed: ${pairPool.join(', ')}): the input may only narrow the list`,
      );
    }
  }
  const policy: ApprovalPolicy = {
    required: Math.max(pair.required, request.required ?? 0),
    forbidSelfApproval: pair.forbidSelfApproval || request.forbidSelfApproval === true,
    timeout: Math.min(pair.timeout, request.timeout ?? pair.timeout),
    identity: pair.identity,
    signatureMaxAge: pair.signatureMaxAge,
  };
  // Self-approval on a signed pair is judged by keys, not names. When the requester did not sign the request, the
  // name is only a claim: a key holder could start the run as someone else and approve it himself. With one key
  // per person, `required`+1 distinct keys always include `required` that are not the requester's.
  const unproven =
    options.requesterUnproven === true &&
    pair.identity === 'signed' &&
    policy.forbidSelfApproval &&
    requestedBy !== undefined;
  if (unproven) {
    policy.required += 1;
    policy.requesterUnproven = true;
  }
  const pool = request.allowList ?? pairPool;
  if (pool) {
    const narrowed =
      request.allowList && pairPool
        ? request.allowList.filter((n) => pairPool.some((p) => normaliseName(p) === normaliseName(n)))
        : pool;
    if (pair.identity === 'signed') {
      policy.approvers = pair.approvers!.filter((a) =>
        narrowed.some((n) => normaliseName(n) === normaliseName(a.name)),
      );
      policy.allowList = policy.approvers.map((a) => a.name);
    } else {
      policy.allowList = narrowed;
    }
  }
  if (problems.length === 0 && policy.allowList) {
    const possible = new Set(policy.allowList.map(normaliseName));
    if (policy.forbidSelfApproval && requestedBy !== undefined) possible.delete(normaliseName(requestedBy));
    if (possible.size < policy.required) {
      refuse(
        request.allowList ? 'allowList' : 'required',
        `${possible.size} possible approver(s) but ${policy.required} approval(s) are required` +
          (policy.forbidSelfApproval ? ' (the requester may not approve their own failover)' : '') +
          (unproven
            ? `; the request is not signed, so the requester is not proven and one approval more than the pair's ${policy.required - 1} ` +
              'is needed: sign the request with your key (kdr failover|failback --key <file>, or KDR_APPROVER_KEY)'
            : ''),
      );
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, policy };
}

/**
 * What `declared` identity means, said wherever a pair's approvals are shown (kdr pairs, every plan, the run's
 * details): it is the default, and nothing else would tell.
 */
export const DECLARED_IDENTITY_WARNING =
  'approval.identity is "declared": anyone who can send signals to this run through Temporal can ' +
  'approve, reject or resolve it under any name they type (names are only compared, never proven). Fine for drills and the local ' +
  'stack; for production set identity "signed" with the approvers\' Ed25519 public keys (kdr keygen; docs/operator-guide.md, "Signed approvals")';

/** Re-exported for callers that only need the name check. */
export { nameProblem };
