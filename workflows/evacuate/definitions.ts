// drEvacuate's own query and the signal it sends its children. Defined once: the workflows, the activities that
// read them and `kdr evacuate` import these.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EvacuationView } from '../../src/evacuation/types';

/** The table of every pair (phase, step, lag, lost/dup bound), the RTO so far, and the released planIds. */
export const evacuationQuery = defineQuery<EvacuationView>('evacuation');

/**
 * Sent by drEvacuate to a member's drFailover: "your plan <planId> is released by the evacuation's approval".
 * A signal proves nothing about its sender: the child checks it against its parent's own `evacuation` query.
 */
export const evacuationReleaseSignal = defineSignal<[{ planId: string }]>('evacuationRelease');
