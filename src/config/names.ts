// Name rules used by configs, workflows and activities alike, defined once so they cannot drift apart
// (one of them was once case-sensitive where the others were not). Pure: safe in workflow code.
import type { NameMatcher } from './name-matcher';
import { compilePattern } from './safe-pattern';

/**
 * A selection pattern matches whole names: `orders` selects orders, not orders-dlq. Compiled once into a
 * linear-time matcher (name-matcher.ts), never run by the backtracking RegExp engine.
 */
export function wholeName(pattern: string): NameMatcher {
  return compilePattern(pattern);
}

/** DNS names compare without case and without the root's trailing dot (RFC 4343; `a.b.` is `a.b`). */
export function sameHost(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return false;
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/** Kafka's own topics (__consumer_offsets, __transaction_state) and kafka-dr's (__kdr_positions) are never application topics. */
export function isInternalTopic(topic: string): boolean {
  return topic.startsWith('__');
}
