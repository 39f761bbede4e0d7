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

import { MAX_NFA_STATES, MAX_DFA_STATES } from './name-matcher-limits';
import { UnsupportedPatternError, type Node, type Ranges, contains } from './name-matcher-ranges';
import { parsePattern } from './name-matcher-parser';
export { parsePattern, type PatternNode } from './name-matcher-parser';

export { MAX_NFA_STATES } from './name-matcher-limits';
export { UnsupportedPatternError, overlaps } from './name-matcher-ranges';

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
