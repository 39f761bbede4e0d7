// Step "resolve and validate": a run names a pair from the worker's pairs file, which only the worker can read.
import type { PairConfig } from '../src/config';
import { UnknownPairError } from '../src/config/file';
import type { ActivityDeps } from './deps';

export function pairActivities(deps: ActivityDeps) {
  return {
    /** The named pair from the worker's pairs file (validated when the file is loaded). */
    async resolvePair(name: string): Promise<PairConfig> {
      const pairs = deps.pairs();
      const pair = pairs.get(name);
      if (!pair) {
        const known = [...pairs.keys()].map((n) => `"${n}"`).join(', ') || 'none';
        throw new UnknownPairError(
          `pair "${name}" is not in the worker's pairs file (known pairs: ${known}); fix "pair" or start with "config"`,
        );
      }
      return pair;
    },

    /** The pairs the worker knows (for `kdr pairs`). */
    async listPairs(): Promise<PairConfig[]> {
      return [...deps.pairs().values()];
    },
  };
}
