// Regular expressions from configs and inputs select topics and groups. kafka-dr itself never runs them with
// JavaScript's backtracking RegExp: they are compiled once into a linear-time automaton (name-matcher.ts) and
// matched in activities, within a time budget (selectNames). They are still refused when they have the shapes
// that backtrack catastrophically in a backtracking engine (MirrorMaker 2 hands a topics pattern to Java's):
// a quantified group that itself contains a quantifier (star height > 1, e.g. (a+)+), an alternation under a
// quantifier ((a|ab)*), two repetitions of overlapping characters in a row (.*.*, a*a+, \w+\d*), back-references
// and lookarounds. What is left is what operators write for topics and groups: orders|payments, orders-.*,
// team-a\.(billing|ledger). Pure: safe in workflow code.
import { KdrError } from '../errors';
import { NameMatcher, overlaps, parsePattern, UnsupportedPatternError, type PatternNode } from './name-matcher';

export const MAX_PATTERN_LENGTH = 200;

/** Why `pattern` is unsafe or invalid, or undefined when it may be used. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted (list the names instead)`;
  try {
    new RegExp(pattern);
  } catch {
    return 'is not a valid regular expression';
  }
  if (/\\[1-9]|\\k</.test(pattern))
    return 'uses a back-reference, which can take exponential time: list the names or simplify it';
  if (/\(\?<?[=!]/.test(pattern))
    return 'uses a lookaround, which is not supported here: list the names or simplify it';
  const nested = nestedQuantifier(pattern);
  if (nested) return nested;
  let tree: PatternNode;
  try {
    tree = parsePattern(pattern);
    compilePattern(pattern);
  } catch (err) {
    if (err instanceof UnsupportedPatternError) return err.message;
    throw err;
  }
  return adjacentRepeats(tree);
}

/**
 * Two repetitions in a row that can take the same characters (".*.*", "a*a+", "\w+\d*"): the same names as one,
 * but a backtracking engine tries every way to split a name between them, and ten of them took 16.8 s on one
 * 30-character name. Iterative over the tree.
 */
function adjacentRepeats(tree: PatternNode): string | undefined {
  const pending: PatternNode[] = [tree];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.kind === 'seq') {
      for (let i = 0; i + 1 < node.items.length; i++) {
        const a = node.items[i];
        const b = node.items[i + 1];
        if (
          a.kind === 'repeat' &&
          b.kind === 'repeat' &&
          a.max > 1 &&
          b.max > 1 &&
          a.node.kind === 'set' &&
          b.node.kind === 'set' &&
          overlaps(a.node.ranges, b.node.ranges)
        ) {
          return 'repeats the same characters twice in a row (e.g. ".*.*" or "a*a+"), which can freeze a backtracking matcher: write the repetition once';
        }
      }
      pending.push(...node.items);
    } else if (node.kind === 'alt') pending.push(...node.options);
    else if (node.kind === 'repeat') pending.push(node.node);
  }
  return undefined;
}

const compiled = new Map<string, NameMatcher>();
const MAX_COMPILED = 64;

/** The pattern compiled once (cached per pattern text): `test(name)` matches whole names in linear time. */
export function compilePattern(pattern: string): NameMatcher {
  let matcher = compiled.get(pattern);
  if (!matcher) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    matcher = new NameMatcher(pattern);
    compiled.set(pattern, matcher);
  }
  return matcher;
}

const QUANTIFIER_AT = (s: string, i: number) =>
  s[i] === '*' || s[i] === '+' || s[i] === '?' || (s[i] === '{' && /^\{\d+(,\d*)?\}/.test(s.slice(i)));

/** Walks the pattern once: a group followed by a quantifier may contain neither a quantifier nor an alternation of unbounded parts. */
function nestedQuantifier(p: string): string | undefined {
  interface Frame {
    quantified: boolean;
    alternation: boolean;
  }
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  const closed: Frame[] = [];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      continue;
    }
    if (c === '|') {
      stack[stack.length - 1].alternation = true;
      continue;
    }
    if (c === ')') {
      const frame = stack.pop();
      if (!frame || stack.length === 0) return 'has an unbalanced ")"';
      closed.push(frame);
      const next = i + 1;
      if (QUANTIFIER_AT(p, next) && !isOptional(p, next)) {
        if (frame.quantified)
          return `repeats a group that itself repeats (near position ${i + 1}, e.g. "(a+)+"): this can freeze the worker; write it without the nested repetition`;
        if (frame.alternation)
          return `repeats a group of alternatives (near position ${i + 1}, e.g. "(a|ab)*"): this can freeze the worker; list the names instead`;
      }
      // The group's inner quantifiers make its parent quantified too.
      if (frame.quantified || QUANTIFIER_AT(p, next)) stack[stack.length - 1].quantified = true;
      continue;
    }
    if (QUANTIFIER_AT(p, i) && i > 0) stack[stack.length - 1].quantified = true;
  }
  return undefined;
}

/** "?" or "{0,1}" after a group makes it optional, not repeated: no nesting risk. */
function isOptional(p: string, i: number): boolean {
  return (p[i] === '?' && p[i + 1] !== '?') || /^\{0?,?1\}/.test(p.slice(i));
}

/** A selection of topics or groups: names, or every name a pattern matches whole. */
export type NameSelection = readonly string[] | { pattern: string };

const selectors = new WeakMap<object, (name: string) => boolean>();

/**
 * The selection as one test, built once per selection object: a Set for listed names (a list of 60,000 names
 * was searched from the start for each of 60,000 groups), the compiled pattern otherwise.
 */
export function selector(selection: NameSelection): (name: string) => boolean {
  let test = selectors.get(selection);
  if (!test) {
    if (Array.isArray(selection)) {
      const names = new Set<string>(selection);
      test = (name) => names.has(name);
    } else {
      const matcher = compilePattern((selection as { pattern: string }).pattern);
      test = (name) => matcher.test(name);
    }
    selectors.set(selection, test);
  }
  return test;
}

/** How long one selection may take over a cluster's names before it is refused (a backstop: it is linear). */
export const SELECTION_BUDGET_MS = 10_000;

/** Not retried: the same names and pattern take as long again; the operator lists the names or simplifies the pattern. */
export class SelectionBudgetError extends KdrError {
  override name = 'SelectionBudgetError';
  readonly retryable = false;
}

/**
 * The names `selection` selects, in order, within `budgetMs`; past it a SelectionBudgetError names the pattern
 * and how far it got, instead of holding the worker. Call it in activities, never in workflow code.
 */
export function selectNames(
  selection: NameSelection,
  names: readonly string[],
  budgetMs = SELECTION_BUDGET_MS,
  clock: () => number = Date.now,
): string[] {
  const test = selector(selection);
  const deadline = clock() + budgetMs;
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) {
    if (test(names[i])) out.push(names[i]);
    if ((i & 255) === 255 && clock() > deadline) {
      const what = Array.isArray(selection)
        ? 'the listed names'
        : `pattern "${(selection as { pattern: string }).pattern}"`;
      throw new SelectionBudgetError(
        `selecting with ${what} took longer than ${budgetMs} ms (${i + 1} of ${names.length} names): list the names or simplify the pattern`,
      );
    }
  }
  return out;
}
