// One error message that names every wrong field and what is expected, e.g.
//   config.dns.ttl: expected an integer between 1 and 86400, got "sixty"
// Safe in workflow code: the message becomes an ApplicationFailure (type InvalidInput) there.
// Never throws: the size guard (bounds.ts) runs before the schema, and a schema that throws anyway is a refusal.
// The message is bounded too: at most MAX_SHOWN_PROBLEMS lines, each clipped, then "... and N more".
import { z } from 'zod';
import { boundsOf, boundsProblem, clipText, type Bounds } from './bounds';

export interface FieldIssue {
  /** Dotted path from the root, e.g. `config.dns.ttl` or `groups[2]`. */
  path: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; message: string; issues: FieldIssue[] };

export interface ValidateOptions {
  /** Prefix for every path (e.g. a pair name); none by default. */
  root?: string;
  /** What is being validated, for the first line of the message; default "input". */
  what?: string;
  /** The size guard's bounds; default: those declared for the schema with bounded(), else INPUT_BOUNDS. */
  bounds?: Bounds;
}

/** Lines of a refusal message; the rest are counted ("... and 49980 more"). */
export const MAX_SHOWN_PROBLEMS = 20;
/** Issues kept in Validated.issues (callers map them to flags or fields). */
export const MAX_ISSUES = 100;
const MAX_LINE = 300;

export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  options: ValidateOptions = {},
): Validated<z.output<S>> {
  // jitless: zod's compiled fast path uses `new Function`, which a workflow sandbox may not allow.
  const what = options.what ?? 'input';
  const refused = (issue: FieldIssue): Validated<z.output<S>> => ({
    ok: false,
    issues: [issue],
    message: formatProblems(what, [issue]),
  });
  const tooBig = boundsProblem(value, options.bounds ?? boundsOf(schema), options.root);
  if (tooBig) return refused(tooBig);
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(value, {
      reportInput: true,
      jitless: true,
    } as z.core.ParseContext<z.core.$ZodIssue>) as z.ZodSafeParseResult<z.output<S>>;
  } catch (err) {
    return refused({
      path: options.root ?? '',
      message: `could not be checked (${err instanceof Error ? err.name : typeof err}): send a plain JSON object as documented`,
    });
  }
  if (result.success) return { ok: true, value: result.data };
  const all = result.error.issues;
  const issues = all
    .slice(0, MAX_ISSUES)
    .flatMap((issue) => describe(issue, options.root))
    .slice(0, MAX_ISSUES);
  return { ok: false, issues, message: formatProblems(what, issues, all.length) };
}

/** One refusal message: the first MAX_SHOWN_PROBLEMS problems, each clipped, then how many more. */
export function formatProblems(what: string, issues: FieldIssue[], total = issues.length): string {
  const count = Math.max(total, issues.length);
  const lines = issues
    .slice(0, MAX_SHOWN_PROBLEMS)
    .map((i) => clipText(i.path ? `${i.path}: ${i.message}` : i.message, MAX_LINE));
  if (count === 1) return `invalid ${what}: ${lines[0]}`;
  const more = count - lines.length;
  return `invalid ${what} (${count} problems):\n${lines.map((l) => `  - ${l}`).join('\n')}${more > 0 ? `\n  ... and ${more} more` : ''}`;
}

const SECRET_KEY = /pass(word|wd)?|secret|token|credential|private.?key|access.?key|sasl/i;

const ENV_HINT: Record<string, string> = {
  password: 'passwordEnv',
  pass: 'passwordEnv',
  passwd: 'passwordEnv',
  username: 'usernameEnv',
  user: 'usernameEnv',
};

function describe(issue: z.core.$ZodIssue, root: string | undefined): FieldIssue[] {
  const base = [...(root ? [root] : []), ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...base, key]), message: unknownKey(key) }));
  }
  const sensitive = issue.path.some((p) => typeof p === 'string' && (SECRET_KEY.test(p) || /Env$/.test(p)));
  let message = issue.message;
  if (issue.code === 'invalid_type' && /^Invalid input/.test(message))
    message = `expected ${article(String(issue.expected))}`;
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return [{ path: formatPath(base), message: `missing: ${message}` }];
  }
  if (issue.input !== undefined && !sensitive && /^expected /.test(message)) message += `, got ${show(issue.input)}`;
  return [{ path: formatPath(base), message }];
}

function unknownKey(key: string): string {
  const hint = ENV_HINT[key.toLowerCase()];
  if (hint) {
    return `inline credentials are not accepted: put the value in an environment variable of the worker and give its NAME in ${hint}`;
  }
  if (SECRET_KEY.test(key)) {
    return "inline secrets are not accepted: keep secrets in the worker's environment and refer to them by variable name (usernameEnv/passwordEnv)";
  }
  return 'unknown field: remove it or check its spelling';
}

function article(type: string): string {
  if (type === 'array') return 'a list';
  if (type === 'object') return 'an object';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${clipText(String(p), 60)}` : clipText(String(p), 60);
  }
  return out;
}
