// Who people are, as far as a run can tell: operator names are compared after Unicode NFKC normalisation,
// trimming, case folding and collapsing inner spaces, and names carrying control, format (zero-width, bidi)
// or other invisible characters are refused outright, so "bob" and "b\u200Bob" can never be two approvers.
// Pure (zod only): safe in workflow code.
import { z } from 'zod';

/** Control (Cc), format (Cf: zero-width, bidi overrides, soft hyphen), surrogates, private use, unassigned, line/paragraph separators. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\u2028\u2029]/u;
/** Characters that render as blank but are not plain spaces (e.g. U+3164 Hangul filler, U+2800 Braille blank). */
const BLANK_LOOKALIKE = /[\u115F\u1160\u3164\uFFA0\u2800\u180E]/u;

export const MAX_NAME = 128;

/** Why `name` cannot identify a person, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  const normalised = name.normalize('NFKC');
  const bad = normalised.match(INVISIBLE) ?? normalised.match(BLANK_LOOKALIKE);
  if (bad) {
    const cp = bad[0].codePointAt(0) ?? 0;
    return `contains the invisible or control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}: type the name with visible characters only`;
  }
  if (!normaliseName(name)) return 'is blank';
  return undefined;
}

/** The form names are compared in: NFKC, trimmed, lowercase, inner whitespace collapsed ("Ａlice  B" = "alice b"). */
export function normaliseName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export function sameName(a: string, b: string): boolean {
  return normaliseName(a) === normaliseName(b);
}

/** A person's name (requester, approver, resolver): visible characters only, at most `max`, trimmed. */
export function personName(what = 'the name of the operator', max = MAX_NAME) {
  const expected = `expected ${what}`;
  return z
    .string({ error: expected })
    .trim()
    .min(1, expected)
    .max(max, `${expected} of at most ${max} characters`)
    .superRefine((value, ctx) => {
      if (!value) return;
      const problem = nameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `${expected}; this one ${problem}`, input: undefined });
    });
}

const HIDDEN_IN_TEXT = /[\p{Cf}\p{Cs}\p{Co}\u2028\u2029]|[^\P{Cc}\n\t]/u;

/** Free text from an operator (comment, note, reason): no control or invisible characters except newline and tab. */
export function operatorText(what: string, max = 500) {
  const expected = `expected ${what}`;
  return z
    .string({ error: expected })
    .trim()
    .min(1, expected)
    .max(max, `${expected} of at most ${max} characters`)
    .refine(
      (value) => !HIDDEN_IN_TEXT.test(value.normalize('NFKC')),
      `${expected} without control or invisible (zero-width, bidi) characters`,
    );
}
