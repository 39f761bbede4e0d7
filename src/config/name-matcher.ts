// Group and topic selection patterns are matched by this automaton, never by JavaScript's RegExp: RegExp
// backtracks, and a pattern such as ".*.*.*.*.*.*.*.*.*.*!" took seconds per 30-character group name, on the
// worker's main thread, once per group. Here a pattern is compiled once into a Thompson NFA (Thompson, "Regular
// expression search algorithm", CACM 1968; https://swtch.com/~rsc/regexp/regexp1.html) and names are run through
// a DFA built lazily from it and cached, so each name costs one step per character (a cache miss: one step per
// NFA state) whatever the pattern: time linear in the name, no backtracking.
// The language is RegExp's for what safe-pattern.ts lets through (no back-references, no lookarounds):
// literals, ".", classes and ranges, \d \w \s and their negations, groups, "|", * + ? {n} {n,} {n,m} (greedy or
// lazy: the same set of whole names), and ^/$ (whole-name anchors anyway). Code units, no flags, as
// new RegExp(`^(?:${pattern})$`) reads it. Pure: safe in workflow code, though only activities match names.

/** NFA states a pattern may compile to (x{n,m} copies x): beyond it the pattern is refused as too large. */
export const MAX_NFA_STATES = 4_000;
/** Cached DFA states per pattern; past it the cache starts again (still linear, just slower for a while). */
const MAX_DFA_STATES = 2_000;

export class UnsupportedPatternError extends Error {
  override name = 'UnsupportedPatternError';
}

type Ranges = number[]; // [lo0, hi0, lo1, hi1, ...] sorted, disjoint, inclusive, over 0..0xFFFF

type Node =
  | { kind: 'set'; ranges: Ranges }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'repeat'; node: Node; min: number; max: number }
  | { kind: 'bol' }
  | { kind: 'eol' };

const MAX_CODE = 0xffff;
const DIGIT: Ranges = [0x30, 0x39];
const WORD: Ranges = normalise([0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]);
// RegExp's \s: WhiteSpace and LineTerminator (ECMA-262 22.2.2.9).
const SPACE: Ranges = normalise([
  0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f,
  0x3000, 0x3000, 0xfeff, 0xfeff,
]);
const LINE_TERMINATORS: Ranges = [0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029];
const DOT = complement(LINE_TERMINATORS);

function normalise(r: Ranges): Ranges {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i], r[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

function complement(r: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i] > next) out.push(next, r[i] - 1);
    next = r[i + 1] + 1;
  }
  if (next <= MAX_CODE) out.push(next, MAX_CODE);
  return out;
}

function contains(r: Ranges, c: number): boolean {
  let lo = 0;
  let hi = r.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < r[2 * mid]) hi = mid - 1;
    else if (c > r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** True when the two sets share a character. */
export function overlaps(a: Ranges, b: Ranges): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1] < b[j]) i += 2;
    else if (b[j + 1] < a[i]) j += 2;
    else return true;
  }
  return false;
}

// ---- parser (recursive descent; depth is bounded by the pattern's length, itself at most 200) -----------------

class Parser {
  i = 0;
  constructor(private readonly p: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.p.length) throw new UnsupportedPatternError(`has an unbalanced ")" at position ${this.i + 1}`);
    return node;
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.p[this.i] === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { kind: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.p.length && this.p[this.i] !== '|' && this.p[this.i] !== ')') {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? items[0] : { kind: 'seq', items };
  }

  private quantified(atom: Node): Node {
    const p = this.p;
    let min: number;
    let max: number;
    const c = p[this.i];
    if (c === '*') {
      min = 0;
      max = Infinity;
      this.i++;
    } else if (c === '+') {
      min = 1;
      max = Infinity;
      this.i++;
    } else if (c === '?') {
      min = 0;
      max = 1;
      this.i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(this.i));
      if (!m) return atom; // RegExp (without the u flag) reads a "{" that opens no quantifier as a literal
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length;
    } else return atom;
    if (p[this.i] === '?') this.i++; // lazy: the same whole-name language
    if (atom.kind === 'bol' || atom.kind === 'eol') throw new UnsupportedPatternError('repeats an anchor (^ or $)');
    return { kind: 'repeat', node: atom, min, max };
  }

  private atom(): Node {
    const p = this.p;
    const c = p[this.i++];
    if (c === '(') {
      if (p[this.i] === '?') {
        if (p[this.i + 1] === ':') this.i += 2;
        else if (p[this.i + 1] === '<' && p[this.i + 2] !== '=' && p[this.i + 2] !== '!') {
          const end = p.indexOf('>', this.i);
          if (end < 0) throw new UnsupportedPatternError('has an unterminated group name');
          this.i = end + 1;
        } else
          throw new UnsupportedPatternError(
            'uses a lookaround, which is not supported here: list the names or simplify it',
          );
      }
      const inner = this.alternation();
      if (p[this.i] !== ')') throw new UnsupportedPatternError('has an unbalanced "("');
      this.i++;
      return inner;
    }
    if (c === '[') return { kind: 'set', ranges: this.characterClass() };
    if (c === '.') return { kind: 'set', ranges: DOT };
    if (c === '^') return { kind: 'bol' };
    if (c === '$') return { kind: 'eol' };
    if (c === '\\') return { kind: 'set', ranges: this.escape(false) };
    if (c === '*' || c === '+' || c === '?') throw new UnsupportedPatternError(`has "${c}" with nothing to repeat`);
    const code = c.charCodeAt(0);
    return { kind: 'set', ranges: [code, code] };
  }

  /** After "[": the class up to its "]" as ranges. */
  private characterClass(): Ranges {
    const p = this.p;
    let negated = false;
    if (p[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const ranges: Ranges = [];
    while (this.i < p.length && p[this.i] !== ']') {
      const lo = this.classAtom();
      if (p[this.i] === '-' && p[this.i + 1] !== undefined && p[this.i + 1] !== ']') {
        const save = this.i;
        this.i++;
        const hi = this.classAtom();
        if (typeof lo === 'number' && typeof hi === 'number') {
          if (lo > hi) throw new UnsupportedPatternError('has a character range out of order');
          ranges.push(lo, hi);
          continue;
        }
        // Annex B: a class escape next to "-" makes the "-" a literal.
        this.i = save;
      }
      if (typeof lo === 'number') ranges.push(lo, lo);
      else ranges.push(...lo);
    }
    if (p[this.i] !== ']') throw new UnsupportedPatternError('has an unterminated "["');
    this.i++;
    const set = normalise(ranges);
    return negated ? complement(set) : set;
  }

  /** One class member: a code unit, or the ranges of a class escape (\d, \w, \s ...). */
  private classAtom(): number | Ranges {
    const c = this.p[this.i++];
    if (c !== '\\') return c.charCodeAt(0);
    const set = this.escape(true);
    return set.length === 2 && set[0] === set[1] && !/[dDwWsS]/.test(this.p[this.i - 1]) ? set[0] : set;
  }

  /** After "\": what the escape matches. */
  private escape(inClass: boolean): Ranges {
    const p = this.p;
    const c = p[this.i++];
    if (c === undefined) throw new UnsupportedPatternError('ends with a lone "\\"');
    const one = (code: number): Ranges => [code, code];
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 't':
        return one(9);
      case 'n':
        return one(10);
      case 'v':
        return one(11);
      case 'f':
        return one(12);
      case 'r':
        return one(13);
      case 'b':
        if (inClass) return one(8);
        throw new UnsupportedPatternError(
          'uses a word boundary (\\b), which is not supported here: list the names or simplify it',
        );
      case 'B':
        throw new UnsupportedPatternError('uses \\B, which is not supported here: list the names or simplify it');
      case 'c':
        throw new UnsupportedPatternError('uses a control escape (\\c), which is not supported here');
      case 'k':
        throw new UnsupportedPatternError(
          'uses a back-reference, which can take exponential time: list the names or simplify it',
        );
      case '0':
        if (/\d/.test(p[this.i] ?? ''))
          throw new UnsupportedPatternError('uses an octal escape, which is not supported here');
        return one(0);
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(p.slice(this.i));
        if (!m) return one(0x78);
        this.i += 2;
        return one(parseInt(m[0], 16));
      }
      case 'u': {
        const m = /^[0-9A-Fa-f]{4}/.exec(p.slice(this.i));
        if (!m) return one(0x75);
        this.i += 4;
        return one(parseInt(m[0], 16));
      }
      default:
        if (/[1-9]/.test(c))
          throw new UnsupportedPatternError(
            'uses a back-reference, which can take exponential time: list the names or simplify it',
          );
        return one(c.charCodeAt(0)); // identity escape: \. \- \/ ...
    }
  }
}

/** The parsed pattern (safe-pattern.ts reads it to refuse redundant repetition). */
export function parsePattern(pattern: string): Node {
  return new Parser(pattern).parse();
}

export type PatternNode = Node;

// ---- NFA ------------------------------------------------------------------------------------------------------

const SET = 0;
const SPLIT = 1;
const BOL = 2;
const EOL = 3;
const MATCH = 4;

class Nfa {
  kind: number[] = [];
  out1: number[] = [];
  out2: number[] = [];
  sets: (Ranges | undefined)[] = [];

  add(kind: number, out1 = -1, out2 = -1, set?: Ranges): number {
    if (this.kind.length >= MAX_NFA_STATES) {
      throw new UnsupportedPatternError(
        `repeats too much (over ${MAX_NFA_STATES} states once its {n,m} are expanded): list the names or simplify it`,
      );
    }
    this.kind.push(kind);
    this.out1.push(out1);
    this.out2.push(out2);
    this.sets.push(set);
    return this.kind.length - 1;
  }

  /** The state that matches `node` and continues at `next`. */
  compile(node: Node, next: number): number {
    switch (node.kind) {
      case 'set':
        return this.add(SET, next, -1, node.ranges);
      case 'bol':
        return this.add(BOL, next);
      case 'eol':
        return this.add(EOL, next);
      case 'seq': {
        let at = next;
        for (let i = node.items.length - 1; i >= 0; i--) at = this.compile(node.items[i], at);
        return at;
      }
      case 'alt': {
        let at = this.compile(node.options[node.options.length - 1], next);
        for (let i = node.options.length - 2; i >= 0; i--)
          at = this.add(SPLIT, this.compile(node.options[i], next), at);
        return at;
      }
      case 'repeat': {
        const { min, max } = node;
        let at = next;
        if (max === Infinity) {
          const loop = this.add(SPLIT, -1, next);
          this.out1[loop] = this.compile(node.node, loop);
          at = loop;
        } else {
          for (let k = 0; k < max - min; k++) at = this.add(SPLIT, this.compile(node.node, at), next);
        }
        for (let k = 0; k < min; k++) at = this.compile(node.node, at);
        return at;
      }
    }
  }
}

interface DState {
  sets: Int32Array;
  accept: boolean;
  next: Map<number, DState>;
}

/** A compiled selection pattern: `test(name)` is true when the whole name matches, in time linear in the name. */
export class NameMatcher {
  private readonly nfa = new Nfa();
  private readonly start: number;
  private cache = new Map<string, DState>();
  private startState: DState;
  private readonly mark: Int32Array;
  private generation = 0;

  constructor(readonly pattern: string) {
    const match = this.nfa.add(MATCH);
    this.start = this.nfa.compile(parsePattern(pattern), match);
    this.mark = new Int32Array(this.nfa.kind.length);
    this.startState = this.state([this.start], true);
  }

  test(name: string): boolean {
    let d = this.startState;
    for (let i = 0; i < name.length; i++) {
      if (d.sets.length === 0) return false;
      const c = name.charCodeAt(i);
      let n = d.next.get(c);
      if (n === undefined) {
        n = this.step(d, c);
        d.next.set(c, n);
      }
      d = n;
    }
    return d.accept;
  }

  private step(d: DState, c: number): DState {
    const { out1, sets } = this.nfa;
    const seeds: number[] = [];
    for (const s of d.sets) if (contains(sets[s]!, c)) seeds.push(out1[s]);
    if (this.cache.size >= MAX_DFA_STATES) {
      this.cache = new Map();
      this.startState = this.state([this.start], true);
    }
    return this.state(seeds, false);
  }

  private state(seeds: number[], atStart: boolean): DState {
    const sets = this.closure(seeds, atStart, false);
    const key = `${atStart ? '^' : ''}${sets.join(',')}`;
    const known = this.cache.get(key);
    if (known) return known;
    const accept = this.closure(seeds, atStart, true).includes(-1);
    const d: DState = {
      sets: Int32Array.from(sets.filter((s) => s >= 0 && this.nfa.kind[s] === SET)),
      accept,
      next: new Map(),
    };
    this.cache.set(key, d);
    return d;
  }

  /**
   * The SET and EOL states reachable from `seeds` without reading a character (sorted), and -1 when MATCH is: the
   * EOL states are part of the DFA state's identity because they decide whether it accepts at the name's end.
   */
  private closure(seeds: number[], atStart: boolean, atEnd: boolean): number[] {
    const { kind, out1, out2 } = this.nfa;
    const gen = ++this.generation;
    const stack = [...seeds];
    const out: number[] = [];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (s < 0 || this.mark[s] === gen) continue;
      this.mark[s] = gen;
      switch (kind[s]) {
        case SET:
          out.push(s);
          break;
        case SPLIT:
          stack.push(out2[s], out1[s]);
          break;
        case BOL:
          if (atStart) stack.push(out1[s]);
          break;
        case EOL:
          out.push(s);
          if (atEnd) stack.push(out1[s]);
          break;
        case MATCH:
          out.push(-1);
          break;
      }
    }
    return out.sort((a, b) => a - b);
  }
}
