// Step "resolve" of a run started with an inline config: only the worker decides whether it may be used.
import type { PairConfig } from '../src/config';
import { inlinePolicyFrom, inlineProblems } from '../src/security/inline-admission';
import type { ActivityDeps } from './deps';
import { permanent } from './failures';

export function admissionActivities(deps: ActivityDeps) {
  return {
    /** The inline config, if this worker admits it; otherwise a Refused failure naming every field. */
    async admitInlineConfig(config: PairConfig): Promise<PairConfig> {
      let known = new Set<string>();
      try {
        known = new Set(deps.pairs().keys());
      } catch {
        // No pairs file on this worker: no name to protect.
      }
      const problems = inlineProblems(config, inlinePolicyFrom(deps.env), known);
      if (problems.length)
        throw permanent(
          'Refused',
          problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.join('; ')}`,
        );
      return config;
    },
  };
}
