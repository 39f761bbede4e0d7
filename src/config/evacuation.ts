// drEvacuate's input and the pairs file's `evacuation` section. An evacuation fails over every pair whose primary
// lives where the failure is (a region, a zone), or a list or label of pairs, in one run with one approval.
// Pure (zod only): workflows import it.
import { z } from 'zod';
import { ApprovalRequestSchema, PairApprovalSchema, type ApprovalRequest, type PairApproval } from './approval';
import { crossCheck, flag, integer, listOf, matching } from './fields';
import { normaliseName, personName } from './identity';
import { PAIR_NAME, PAIR_NAME_EXPECTED } from './pair';
import { NotifySchema } from './notify';
import { SwitchoverSchema } from './inputs';

/** One selected set: exactly one of region, zone, label or an explicit list of pairs. */
export const EvacuationSetSchema = z
  .strictObject({
    region: matching(/^[a-z]{2,}(?:-[a-z0-9]+)+$/, 'expected a region id, e.g. cn-hangzhou').optional(),
    zone: matching(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a zone id, e.g. cn-hangzhou-k').optional(),
    label: matching(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a label as the pairs file writes it').optional(),
    pairs: listOf(matching(PAIR_NAME, PAIR_NAME_EXPECTED), 'pair names', 1, 500).optional(),
  })
  .check(
    crossCheck<{ region?: unknown; zone?: unknown; label?: unknown; pairs?: unknown }>((s, report) => {
      const given = (['region', 'zone', 'label', 'pairs'] as const).filter((k) => s[k] !== undefined);
      if (given.length !== 1) {
        report(
          [],
          `give exactly one of "region", "zone", "label" or "pairs" per set (got ${given.length ? given.join(', ') : 'none'})`,
        );
      }
    }),
  );
export type EvacuationSet = z.output<typeof EvacuationSetSchema>;

/** Pairs failed over at once within a tier when the input does not say. */
export const DEFAULT_EVACUATION_PARALLEL = 4;

const EvacuateObject = z.strictObject({
  /** What to evacuate: one or more sets; a pair selected by two sets is refused (say it once). */
  select: listOf(EvacuationSetSchema, 'selection sets { "zone" | "region" | "label" | "pairs" }', 1, 20),
  requestedBy: personName('the operator requesting the evacuation'),
  /** Plan the whole evacuation, approve nothing, change nothing. */
  dryRun: flag().default(false),
  /** Pairs failed over at once within a tier (the next starts when an earlier one has switched its CNAME). */
  parallel: integer(1, 64).default(DEFAULT_EVACUATION_PARALLEL),
  /** Only tightens the evacuation policy of the pairs file. */
  approval: ApprovalRequestSchema.default({}),
  /** Passed to every member: how a pair whose primary answers waits for its applications (planned switchover). */
  switchover: SwitchoverSchema.optional(),
});
export const EvacuateInputSchema = EvacuateObject;
export type EvacuateInput = z.output<typeof EvacuateInputSchema>;

/** The pairs file's `evacuation` section: who approves an evacuation and who is told about it. */
export const EvacuationSettingsSchema = z.strictObject({
  /** Never looser than any member pair's own policy: an evacuation that would be is refused at start. */
  approval: PairApprovalSchema.optional(),
  notify: NotifySchema.default([]),
});
export type EvacuationSettings = z.output<typeof EvacuationSettingsSchema>;

/** The one evacuation run: a second one at once is refused by its id (and by the run itself). */
export const EVACUATE_WORKFLOW_ID = 'dr-evacuate';
export const evacuateWorkflowId = (): string => EVACUATE_WORKFLOW_ID;

/** What the evacuation's runs call their "pair" (search attribute DrPair, signed decisions' claims). */
export const EVACUATION_SUBJECT = 'evacuation';

const poolOf = (a: PairApproval): string[] | undefined => a.approvers?.map((p) => p.name) ?? a.allowList;

/**
 * Every way `evacuation` is looser than `member`'s own policy, naming the pair and the field. An evacuation
 * approves each member's failover, so it must ask at least what each member asks.
 */
export function looserThan(evacuation: PairApproval, pair: string, member: PairApproval): string[] {
  const out: string[] = [];
  if (evacuation.required < member.required) {
    out.push(
      `pair ${pair}: evacuation.approval.required ${evacuation.required} is below the pair's ${member.required}`,
    );
  }
  if (evacuation.timeout > member.timeout) {
    out.push(
      `pair ${pair}: evacuation.approval.timeout ${evacuation.timeout}ms is longer than the pair's ${member.timeout}ms`,
    );
  }
  if (member.forbidSelfApproval && !evacuation.forbidSelfApproval) {
    out.push(
      `pair ${pair}: evacuation.approval.forbidSelfApproval is false but the pair forbids approving one's own failover`,
    );
  }
  const memberPool = poolOf(member);
  const pool = poolOf(evacuation);
  if (memberPool) {
    if (!pool)
      out.push(`pair ${pair}: the evacuation lets anyone approve but the pair allows only ${memberPool.join(', ')}`);
    else {
      const outside = pool.filter((n) => !memberPool.some((m) => normaliseName(m) === normaliseName(n)));
      if (outside.length)
        out.push(`pair ${pair}: ${outside.join(', ')} may approve the evacuation but not the pair's failover`);
    }
  }
  if (member.identity === 'signed') {
    if (evacuation.identity !== 'signed')
      out.push(`pair ${pair}: the pair takes signed approvals only; set evacuation.approval.identity "signed"`);
    else {
      for (const a of evacuation.approvers ?? []) {
        const own = member.approvers?.find((m) => normaliseName(m.name) === normaliseName(a.name));
        if (own && own.publicKey !== a.publicKey)
          out.push(`pair ${pair}: ${a.name}'s public key differs from the pair's`);
      }
    }
  }
  return out;
}

/**
 * The policy an evacuation waits under when the pairs file sets none: the tightest of its members' (most
 * approvals, shortest timeout, the approvers every member allows, signed when any member is).
 */
export function tightestOf(members: PairApproval[]): PairApproval {
  const signed = members.filter((m) => m.identity === 'signed');
  const base: PairApproval = {
    required: Math.max(1, ...members.map((m) => m.required)),
    forbidSelfApproval: members.some((m) => m.forbidSelfApproval),
    timeout: Math.min(...members.map((m) => m.timeout)),
    identity: signed.length ? 'signed' : 'declared',
    signatureMaxAge: Math.min(...members.map((m) => m.signatureMaxAge)),
  };
  const pools = members.map(poolOf).filter((p): p is string[] => p !== undefined);
  const common = pools.length
    ? pools.reduce((acc, p) => acc.filter((n) => p.some((m) => normaliseName(m) === normaliseName(n))))
    : undefined;
  if (signed.length) {
    const keys = signed[0].approvers ?? [];
    base.approvers = keys.filter(
      (k) =>
        (common ?? [k.name]).some((n) => normaliseName(n) === normaliseName(k.name)) &&
        signed.every((m) =>
          m.approvers?.some((o) => normaliseName(o.name) === normaliseName(k.name) && o.publicKey === k.publicKey),
        ),
    );
  } else if (common) {
    base.allowList = common;
  }
  return base;
}

/** The evacuation policy as an approval request each member's drFailover accepts (it may only tighten). */
export function asRequest(policy: PairApproval): ApprovalRequest {
  const pool = poolOf(policy);
  return {
    required: policy.required,
    forbidSelfApproval: policy.forbidSelfApproval,
    timeout: policy.timeout,
    ...(pool ? { allowList: pool } : {}),
  };
}
