// Field builders that carry ONE plain-language expectation each, so every error reads
// `<path>: expected <what>, got <value>` whatever check failed (type, range, format).
import { z } from 'zod';
import { parseDuration } from './duration';
import { patternProblem } from './safe-pattern';

export function text(what = 'a non-empty string', maxLength = 256) {
  const expected = `expected ${what}`;
  return z
    .string({ error: expected })
    .trim()
    .min(1, expected)
    .max(maxLength, `${expected} of at most ${maxLength} characters`);
}

export function matching(pattern: RegExp, expected: string) {
  return z.string({ error: expected }).regex(pattern, expected);
}

export function integer(min: number, max?: number) {
  const expected =
    max === undefined ? `expected an integer >= ${min}` : `expected an integer between ${min} and ${max}`;
  const base = z.number({ error: expected }).int(expected).min(min, expected);
  return max === undefined ? base : base.max(max, expected);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

export function flag() {
  return z.boolean({ error: 'expected true or false' });
}

/** Items in a list field unless the field says otherwise (bootstrap servers, resolvers, approvers ...). */
export const MAX_LIST = 100;

export function listOf<T extends z.ZodType>(item: T, what: string, min = 1, max = MAX_LIST) {
  const expected = min > 0 ? `expected a non-empty list of ${what}` : `expected a list of ${what}`;
  return z.array(item, { error: expected }).min(min, expected).max(max, `${expected} of at most ${max} items`);
}

/** A duration ('30s', '5 minutes', '1h') or milliseconds, normalised to milliseconds. */
export function duration(min = 0, max = Number.POSITIVE_INFINITY) {
  const range = [min > 0 ? `at least ${min}ms` : '', Number.isFinite(max) ? `at most ${max}ms` : '']
    .filter(Boolean)
    .join(', ');
  const expected = `expected a duration such as "30s", "5m", "1h" or a number of milliseconds${range ? ` (${range})` : ''}`;
  return z.union([z.string(), z.number()], { error: expected }).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < min || ms > max) {
      ctx.issues.push({ code: 'custom', message: expected, input: value });
      return z.NEVER;
    }
    return ms;
  });
}

/** A regular expression given as a string: valid, short, and free of catastrophic backtracking (safe-pattern.ts). */
export function regexPattern() {
  const expected = 'expected a valid regular expression';
  return z.string({ error: expected }).superRefine((p, ctx) => {
    const problem = patternProblem(p);
    if (problem === 'is not a valid regular expression' || problem === 'is empty')
      ctx.addIssue({ code: 'custom', message: expected, input: p });
    else if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `expected a safe regular expression; this one ${problem}`,
        input: undefined,
      });
  });
}

/**
 * A schedule's cron expression as Temporal reads it (UTC): 5 to 7 fields of digits, names and * / , - ? L W #,
 * or a macro (@daily, @hourly, ..., @every 6h). Checked before it is sent: a schedule's note and memo show it.
 */
export function cronExpression() {
  return matching(
    /^(?:@(?:yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [0-9]+[smhd](?:[0-9]+[smhd])*|[0-9A-Za-z*?/,#-]{1,40}(?: [0-9A-Za-z*?/,#-]{1,40}){4,6})$/,
    'expected a cron expression in UTC such as "0 3 * * 1" (five fields: minute hour day-of-month month day-of-week) or @daily',
  );
}

/** An environment-variable NAME (never the secret): secrets stay in the worker's environment. */
export function envName() {
  return matching(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'expected the NAME of an environment variable of the worker (e.g. KDR_SECRET_PRIMARY_SASL_PASSWORD), not the secret itself',
  ).refine(
    (name) => !RESERVED_ENV.test(name),
    'names a variable the worker keeps for itself (ALIBABA_CLOUD_*, TEMPORAL_*, KDR_* settings): give the variable that holds this SASL secret, e.g. KDR_SECRET_PRIMARY_SASL_PASSWORD',
  );
}

/** The worker's own credentials and settings: never usable as a SASL user or password. */
const RESERVED_ENV = /^(?:ALIBABA_CLOUD_|ALICLOUD_|TEMPORAL_|AWS_|KDR_(?!SECRET_))/i;

export const HOST =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}';
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})';

export function hostName(what = 'a DNS host name') {
  return matching(HOST, `expected ${what}, e.g. kafka.example.com`);
}

export function hostPort() {
  const re = new RegExp(`^(?:${HOST.source.slice(1, -1)}|\\[[0-9A-Fa-f:.]+\\]):${PORT}$`);
  return matching(re, 'expected host:port, e.g. 127.0.0.1:9092');
}

export function resolverAddress() {
  const re = new RegExp(`^(?:${IPV4}(?::${PORT})?|\\[[0-9A-Fa-f:.]+\\](?::${PORT})?)$`);
  return matching(re, 'expected an IP address with an optional port, e.g. 223.5.5.5 or 127.0.0.1:5353');
}

export function httpUrl() {
  return (
    matching(/^https?:\/\/[^\s/]+(?:\/\S*)?$/, 'expected an http(s) URL, e.g. http://127.0.0.1:8083')
      .refine(
        (url) => !/^https?:\/\/[^/]*@/.test(url),
        'must not carry credentials (user:password@): they would show in errors and history; ' +
          'put Connect behind a network boundary instead',
      )
      // fetch (WHATWG URL) reads "\\" as "/" and drops "#...": "http://10.0.0.1\\x#.allowed.test" goes to 10.0.0.1.
      .refine(
        (url) => !/[\\#?]/.test(url) && !/^https?:\/\/[^/]*%/.test(url),
        'must be http(s)://host[:port][/path]: no "\\", "#", query or %-encoded host (fetch would read another host than it seems)',
      )
  );
}

/** Kafka Connect expands ${provider:...} (${env:NAME}, ${file:...}) in connector configs: text that reaches one may not hold "${". */
export function noConfigReference<T extends z.ZodType<string>>(schema: T) {
  return schema.refine(
    (value) => !value.includes('${'),
    'must not contain "${": Kafka Connect would expand it (${env:...}, ${file:...}) into the worker\'s secrets',
  );
}

/** The host of an http(s) URL accepted by httpUrl(). */
export function urlHost(url: string): string {
  const authority = url.replace(/^https?:\/\//, '').split('/')[0];
  return authority.startsWith('[') ? authority.slice(1, authority.indexOf(']')) : authority.replace(/:\d+$/, '');
}

/** An ISO-8601 time or epoch milliseconds, normalised to epoch milliseconds. */
export function timestamp() {
  const expected = 'expected an ISO-8601 time (e.g. "2026-01-31T12:00:00Z") or epoch milliseconds';
  return z.union([z.string(), z.number()], { error: expected }).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : /^\d{4}-\d\d-\d\dT/.test(value) ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms) || ms < 0) {
      ctx.issues.push({ code: 'custom', message: expected, input: value });
      return z.NEVER;
    }
    return Math.round(ms);
  });
}

const ZONED_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)$/i;
/** Clock skew tolerated before a time counts as "in the future". */
const FUTURE_SKEW_MS = 60_000;

/**
 * The operator's "everything before this time was processed": ISO-8601 WITH a zone (Z or +hh:mm; a zone-less time
 * would be read in the worker's zone) or epoch milliseconds; never in the future. Normalised to epoch ms.
 * In workflow code Date.now() is workflow time, so the check replays the same.
 */
export function operatorTimestamp() {
  const expected =
    'expected an ISO-8601 time with a zone (e.g. "2026-01-31T12:00:00Z" or "2026-01-31T20:00:00+08:00") or epoch milliseconds';
  return z.union([z.string(), z.number()], { error: expected }).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : ZONED_ISO.test(value) ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms) || ms < 946_684_800_000) {
      const zoneless = typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+$/.test(value);
      ctx.issues.push({
        code: 'custom',
        message: zoneless ? `${expected}; this one has no zone: add Z (UTC) or the offset, e.g. +08:00` : expected,
        input: value,
      });
      return z.NEVER;
    }
    if (ms > Date.now() + FUTURE_SKEW_MS) {
      ctx.issues.push({ code: 'custom', message: `${expected}, not in the future`, input: value });
      return z.NEVER;
    }
    return Math.round(ms);
  });
}

/** A check that runs even when other fields of the object are wrong, so ALL errors are reported at once. */
export function crossCheck<T>(fn: (value: Partial<T>, report: (path: PropertyKey[], message: string) => void) => void) {
  return z.core._check<T>(
    (payload) => {
      const value = payload.value;
      if (value === null || typeof value !== 'object') return;
      fn(value as Partial<T>, (path, message) => {
        payload.issues.push({ code: 'custom', path, message, input: undefined, continue: true });
      });
    },
    { when: () => true },
  );
}
