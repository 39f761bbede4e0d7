// Name rules used by configs, workflows and activities alike, defined once so they cannot drift apart
// (one of them was once case-sensitive where the others were not). Pure: safe in workflow code.

/** A selection pattern matches whole names: `orders` selects orders, not orders-dlq. */
export function wholeName(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
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
