// drVerify's input: which pair to measure (a name from the worker's pairs file, or a whole config), and who asks.
import { z } from 'zod';
import { crossCheck } from './fields';
import { personName } from './identity';
import { exactlyOnePair, pairRef } from './inputs';

const VerifyObject = z.strictObject({
  ...pairRef,
  requestedBy: personName('the operator starting the run').optional(),
});
export const VerifyInputSchema = VerifyObject.check(crossCheck<z.input<typeof VerifyObject>>(exactlyOnePair));
export type VerifyInput = z.output<typeof VerifyInputSchema>;
