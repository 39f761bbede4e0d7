// Regular expressions from configs and inputs run inside the worker (topic and group selection). JavaScript's
// engine backtracks, so a pattern like (a+)+$ can freeze the worker on one long name. Patterns are therefore
// limited in length and refused when they have the shapes that backtrack catastrophically: a quantified group
// that itself contains a quantifier (star height > 1, e.g. (a+)+ or (a|ab)*c*)... or an alternation under a
// quantifier, back-references and lookarounds. What is left matches in time linear in the name for the
// patterns operators write for topics and groups: orders|payments, orders-.*, team-a\.(billing|ledger).
// Pure: safe in workflow code.

export const MAX_PATTERN_LENGTH = 200;

/** Why `pattern` is unsafe or invalid, or undefined when it may be used. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted (list the names instead)`;
  try {
    new RegExp(pattern);
  } catch {
    return 'is not a valid regular expression';
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'uses a back-reference, which can take exponential time: list the names or simplify it';
  if (/\(\?<?[=!]/.test(pattern)) return 'uses a lookaround, which is not supported here: list the names or simplify it';
  return nestedQuantifier(pattern);
}

const QUANTIFIER_AT = (s: string, i: number) => s[i] === '*' || s[i] === '+' || s[i] === '?' || (s[i] === '{' && /^\{\d+(,\d*)?\}/.test(s.slice(i)));

/** Walks the pattern once: a group followed by a quantifier may contain neither a quantifier nor an alternation of unbounded parts. */
function nestedQuantifier(p: string): string | undefined {
  interface Frame { quantified: boolean; alternation: boolean }
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  const closed: Frame[] = [];
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c === '(') { stack.push({ quantified: false, alternation: false }); continue; }
    if (c === '|') { stack[stack.length - 1].alternation = true; continue; }
    if (c === ')') {
      const frame = stack.pop();
      if (!frame || stack.length === 0) return 'has an unbalanced ")"';
      closed.push(frame);
      const next = i + 1;
      if (QUANTIFIER_AT(p, next) && !isOptional(p, next)) {
        if (frame.quantified) return `repeats a group that itself repeats (near position ${i + 1}, e.g. "(a+)+"): this can freeze the worker; write it without the nested repetition`;
        if (frame.alternation) return `repeats a group of alternatives (near position ${i + 1}, e.g. "(a|ab)*"): this can freeze the worker; list the names instead`;
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
