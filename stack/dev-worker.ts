// `npm run dev`'s worker: the product's worker (app/worker.ts) pointed at the local stack: the emulator's
// AccessKey and endpoints, the example pairs file, the stack's Temporal (even when its ports were moved) and UI.
import { local, localStackEnv } from './local-stack';
import { runWorker } from '../app/worker';

const env: NodeJS.ProcessEnv = {
  TEMPORAL_ADDRESS: local.temporalAddress,
  KDR_TEMPORAL_UI_URL: local.temporalUiUrl,
  ...localStackEnv(),
};

runWorker(env).catch((err: Error) => {
  // A known cause is one line that says what to fix; anything else keeps its stack.
  console.error(err.name === 'TemporalUnreachable' ? err.message : err);
  process.exit(1);
});
