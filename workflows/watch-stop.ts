// Who may stop a pair's watch. On a declared pair anyone who can signal (as before). On a signed pair a stop is
// signed by one of the pair's approvers (`kdr watch <pair> --stop --key`), or it is one the runbooks send
// themselves: drFailover, re-protect and the switch-back stop a watch once the custom domain no longer points
// at the primary it watches, and a workflow cannot sign. So an unsigned stop counts only when the domain has
// moved away from the watched primary; otherwise it is refused and shown in the watch's details.
import { sameHost, type PairConfig } from '../src/config';
import { refuseUnsigned, type DecisionGuard } from './runner';

export interface StopRequest {
  by: string;
  reason?: string;
  signature?: string;
  signedAt?: string;
}

/** undefined when the stop is accepted; otherwise why it is refused. */
export async function refuseStop(
  pair: PairConfig,
  request: StopRequest,
  guard: DecisionGuard,
  readCname: () => Promise<{ domain: string; target: string | null }>,
): Promise<string | undefined> {
  if (request.signature !== undefined || request.signedAt !== undefined) {
    // The watch continues as new (a new run id): a stop is bound to the watch's workflow id, not to one run.
    return refuseUnsigned(
      guard,
      'stop-watch',
      request,
      { subject: 'stop', runId: '' },
      `kdr watch ${pair.name} --stop --by <you> --key <your private key>`,
    );
  }
  const cname = await readCname();
  if (!sameHost(cname.target, pair.primary.endpointHost)) return undefined;
  return (
    `pair ${pair.name} accepts signed stops only (approval.identity "signed") while ${cname.domain} points at the watched primary ` +
    `(${pair.primary.endpointHost}): stop it with kdr watch ${pair.name} --stop --by <you> --key <your private key>`
  );
}
