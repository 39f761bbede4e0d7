// The pattern parser of the name matcher (./name-matcher.ts): RegExp syntax as safe-pattern.ts admits it, into a
// Node tree. Pure.
import {
  UnsupportedPatternError,
  type Node,
  type Ranges,
  DIGIT,
  WORD,
  SPACE,
  DOT,
  normalise,
  complement,
} from './name-matcher-ranges';

export class Parser {
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
