// Run-time fault injection for reliability tests: per action (or '*'), an error rate or a deterministic
// `failNext` count with chosen codes, added latency, or a hang (no answer; the client's timeout fires).
import { PopError } from './pop';

export const FAULT_CODES: Record<string, number> = {
  'Throttling.User': 400,
  ServiceUnavailable: 503,
  InternalError: 500,
  Throttling: 400,
  TooManyRequests: 429,
  ONS_SYSTEM_FLOW_CONTROL: 400,
};

/**
 * Not an API action: with product "eventbridge", the sink of every emulated event stream (reproduce plane) refuses
 * the next `failNext` records (or each with `errorRate`), as a broker refusing the record would: the stream's
 * retry policy and dead-letter queue then apply. Only a rule naming it exactly applies ("*" does not).
 */
export const SINK_RECORD_ACTION = 'SinkRecord';

export interface FaultRule {
  /** Action name (e.g. "GetInstanceList"), "*", or SINK_RECORD_ACTION. */
  action: string;
  /** Restrict to one product (alikafka, alidns, eventbridge). */
  product?: string;
  /** Probability 0..1 that a request fails with one of `codes`. */
  errorRate?: number;
  /** Fail exactly the next n requests (deterministic); counts down. */
  failNext?: number;
  codes?: string[];
  latencyMs?: number;
  /** Never answer (until the client gives up or the emulator stops). */
  hang?: boolean;
  /** Hang exactly the next n requests. */
  hangNext?: number;
}

export type FaultOutcome = { latencyMs: number; hang: boolean; error?: PopError };

export class FaultInjector {
  private rules: FaultRule[] = [];
  private counter = 0;

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  set(input: unknown): FaultRule[] {
    const items = Array.isArray(input) ? input : ((input as { faults?: unknown })?.faults ?? [input]);
    if (!Array.isArray(items)) throw new Error('body must be a fault rule, an array of rules, or {faults: [...]}');
    for (const raw of items) {
      const rule = validate(raw);
      this.rules = this.rules.filter((r) => !(r.action === rule.action && r.product === rule.product));
      this.rules.push(rule);
    }
    return this.list();
  }

  clear(action?: string): void {
    this.rules = action ? this.rules.filter((r) => r.action !== action) : [];
  }

  /** Whether a rule naming exactly `action` (no "*") fails this one (SINK_RECORD_ACTION); mutates countdowns. */
  failsExactly(product: string, action: string): boolean {
    if (!this.rules.some((r) => r.action === action && (!r.product || r.product === product))) return false;
    return this.decide(product, action).error !== undefined;
  }

  /** Decide what happens to one request; mutates countdowns. */
  decide(product: string, action: string): FaultOutcome {
    const matching = this.rules.filter(
      (r) => (r.action === action || r.action === '*') && (!r.product || r.product === product),
    );
    // An action-specific rule wins over '*'.
    const rule = matching.find((r) => r.action === action) ?? matching[0];
    if (!rule) return { latencyMs: 0, hang: false };
    const out: FaultOutcome = { latencyMs: rule.latencyMs ?? 0, hang: false };
    if (rule.hangNext && rule.hangNext > 0) {
      rule.hangNext -= 1;
      out.hang = true;
      return out;
    }
    if (rule.hang) {
      out.hang = true;
      return out;
    }
    const codes = rule.codes && rule.codes.length > 0 ? rule.codes : ['ServiceUnavailable'];
    let fail = false;
    if (rule.failNext && rule.failNext > 0) {
      rule.failNext -= 1;
      fail = true;
    } else if (rule.errorRate && Math.random() < rule.errorRate) fail = true;
    if (fail) {
      const code = codes[this.counter++ % codes.length];
      out.error = new PopError(code, `Injected fault: ${code} (emulator /__admin/faults).`, FAULT_CODES[code] ?? 500);
    }
    return out;
  }
}

function validate(raw: unknown): FaultRule {
  if (!raw || typeof raw !== 'object') throw new Error('a fault rule must be an object');
  const r = raw as Record<string, unknown>;
  if (typeof r.action !== 'string' || r.action === '')
    throw new Error('fault rule: "action" is required (an action name or "*")');
  const num = (k: string, max = Number.MAX_SAFE_INTEGER) => {
    if (r[k] === undefined) return undefined;
    if (typeof r[k] !== 'number' || !((r[k] as number) >= 0) || (r[k] as number) > max)
      throw new Error(`fault rule: "${k}" must be a number between 0 and ${max}`);
    return r[k] as number;
  };
  const codes = r.codes;
  if (
    codes !== undefined &&
    (!Array.isArray(codes) || codes.some((c) => typeof c !== 'string' || !(c in FAULT_CODES)))
  ) {
    throw new Error(`fault rule: "codes" must be a list among ${Object.keys(FAULT_CODES).join(', ')}`);
  }
  return {
    action: r.action,
    product: typeof r.product === 'string' ? r.product : undefined,
    errorRate: num('errorRate', 1),
    failNext: num('failNext'),
    codes: codes as string[] | undefined,
    latencyMs: num('latencyMs', 600_000),
    hang: r.hang === true,
    hangNext: num('hangNext'),
  };
}
