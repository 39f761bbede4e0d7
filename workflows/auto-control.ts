// kdr auto pause|resume on a pair's watch. A pause only tightens (the watch still decides and shows why, but starts
// no failover and pages a person instead): anyone who can signal may. A resume returns to the pairs file's policy:
// only the pair's listed approvers (approval.allowList, or approval.approvers on a signed pair), and on a signed pair
// only with a signature under its own purpose, as for a watch stop (watch-stop.ts).
import { AutoControlPayloadSchema, normaliseName, validate, type PairConfig } from '../src/config';
import { refuseUnsigned, type PairIdentity } from './runner';
import type { AutoControl } from './auto-failover-act';

const MAX_AUDIT = 10;

export type ControlAction = 'pause' | 'resume';

/** Applies one pause or resume to `control` (audited, accepted or not); returns why it was refused, if it was. */
export async function applyControl(
  pair: PairConfig,
  guard: PairIdentity,
  control: AutoControl,
  action: ControlAction,
  raw: unknown,
  now: number,
): Promise<string | undefined> {
  const checked = validate(AutoControlPayloadSchema, raw, { what: `auto ${action}` });
  const by = checked.ok ? checked.value.by : String((raw as { by?: unknown })?.by ?? 'unknown').slice(0, 128);
  const refusal = !checked.ok ? checked.message : await refuse(pair, guard, control, action, checked.value);
  const reason = checked.ok ? checked.value.reason : undefined;
  control.audit = [
    ...(control.audit ?? []),
    {
      at: now,
      by: by || 'unknown',
      action,
      accepted: refusal === undefined,
      ...(refusal !== undefined || reason ? { reason: (refusal ?? reason ?? '').slice(0, 600) } : {}),
    },
  ].slice(-MAX_AUDIT);
  if (refusal !== undefined || !checked.ok) return refusal;
  if (action === 'pause') control.paused = { by: checked.value.by, ...(reason ? { reason } : {}), at: now };
  else delete control.paused;
  return undefined;
}

async function refuse(
  pair: PairConfig,
  guard: PairIdentity,
  control: AutoControl,
  action: ControlAction,
  p: { by: string; signature?: string; signedAt?: string },
): Promise<string | undefined> {
  if (!pair.autoFailover?.enabled)
    return `autoFailover is not enabled for pair ${pair.name} in the pairs file: there is nothing to ${action}`;
  if (action === 'pause') return control.paused ? `already paused by ${control.paused.by}` : undefined;
  if (!control.paused) return 'the automatic failover is not paused';
  if (guard.identity === 'signed')
    return refuseUnsigned(
      guard,
      'auto-resume',
      p,
      { subject: 'resume', runId: '' },
      `kdr auto resume ${pair.name} --by <you> --key <your private key>`,
    );
  const listed = pair.approval.allowList;
  if (listed && !listed.some((n) => normaliseName(n) === normaliseName(p.by)))
    return `${p.by} is not in approval.allowList (${listed.join(', ')}): only a listed approver may resume`;
  return undefined;
}
