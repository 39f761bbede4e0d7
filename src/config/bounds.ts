// The size guard every workflow input, signal, update and query argument passes BEFORE any schema sees it.
// Anyone who can start a run or send a signal controls the shape of what arrives; a schema library walks that
// shape recursively, so a value nested 50,000 levels deep overflowed the stack inside a signal handler (the
// workflow task failed with the signal in its history: the run could no longer be approved, only terminated),
// and a list of 200,000 entries did the same to a workflow input. This walk is iterative (an explicit stack,
// no recursion), stops at the first bound a value exceeds, and so costs at most about `maxBytes` steps.
// It also refuses the keys JavaScript gives a meaning to (__proto__, constructor, prototype): zod itself throws
// a TypeError on an object whose own "constructor" is not a function. Pure: runs in the workflow sandbox.
import type { FieldIssue } from './validate';

export interface Bounds {
  /** Size of the value as JSON, in UTF-8 bytes (counted as the walk goes; the walk stops past it). */
  maxBytes: number;
  /** Nesting of objects and lists; the value itself is level 0. */
  maxDepth: number;
  /** Items in one list. */
  maxList: number;
  /** Fields of one object. */
  maxKeys: number;
  /** Characters (UTF-16 code units) of one string, field names included. */
  maxString: number;
}

/**
 * Workflow inputs, pair configs and the pairs file's pairs: room for an inline pair selecting 10,000 groups by
 * name (the schemas' own maximum, MAX_SELECTION) and far below Temporal's 2 MB payload limit.
 */
export const INPUT_BOUNDS: Bounds = {
  maxBytes: 1024 * 1024,
  maxDepth: 12,
  maxList: 10_000,
  maxKeys: 100,
  maxString: 4_096,
};

/** Signals, updates and query arguments: a handful of short fields (an approval is under 1 KB). */
export const SIGNAL_BOUNDS: Bounds = { maxBytes: 16 * 1024, maxDepth: 4, maxList: 32, maxKeys: 16, maxString: 2_048 };

/** Keys with a meaning to JavaScript objects: never a field of kafka-dr, and unsafe to hand to code that spreads or looks up keys. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * What the payload codec (src/data-converter.ts) puts in place of a payload it refused to decompress (a gzip
 * bomb): the handler or input check then refuses it like any other invalid value, and the run goes on.
 */
export const REFUSED_PAYLOAD_KEY = 'kdrRefusedPayload';

const schemaBounds = new WeakMap<object, Bounds>();

/** Declares the bounds `validate()` applies before `schema` (signals and updates use SIGNAL_BOUNDS). */
export function bounded<S extends object>(schema: S, bounds: Bounds): S {
  schemaBounds.set(schema, bounds);
  return schema;
}

/** The bounds declared for `schema`, INPUT_BOUNDS when none were. */
export function boundsOf(schema: object): Bounds {
  return schemaBounds.get(schema) ?? INPUT_BOUNDS;
}

interface Node {
  value: unknown;
  depth: number;
  parent: Node | undefined;
  key: string | number | undefined;
}

/**
 * The first way `value` exceeds `bounds`, as an issue naming where, or undefined when it fits.
 * Iterative and bounded: never recursion, never more than ~maxBytes steps, never a throw.
 */
export function boundsProblem(value: unknown, bounds: Bounds = INPUT_BOUNDS, root?: string): FieldIssue | undefined {
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.prototype.hasOwnProperty.call(value, REFUSED_PAYLOAD_KEY)
  ) {
    const why = (value as Record<string, unknown>)[REFUSED_PAYLOAD_KEY];
    return {
      path: root ?? '',
      message: typeof why === 'string' ? clipText(why, 300) : 'the payload was refused by the payload codec',
    };
  }
  let bytes = 0;
  const stack: Node[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.value;
    const at = () => pathOf(node, root);
    if (typeof v === 'string') {
      if (v.length > bounds.maxString) {
        return {
          path: at(),
          message: `is a string of ${v.length} characters; at most ${bounds.maxString} are accepted here`,
        };
      }
      bytes += utf8Length(v) + 2;
    } else if (v === null || v === undefined || typeof v === 'boolean') {
      bytes += 5;
    } else if (typeof v === 'number') {
      bytes += 24;
    } else if (typeof v === 'object') {
      if (node.depth >= bounds.maxDepth) {
        return {
          path: at(),
          message: `is nested more than ${bounds.maxDepth} levels deep; nothing kafka-dr accepts here is deeper`,
        };
      }
      if (Array.isArray(v)) {
        if (v.length > bounds.maxList) {
          return { path: at(), message: `is a list of ${v.length} items; at most ${bounds.maxList} are accepted here` };
        }
        bytes += 2 + v.length;
        for (let i = v.length - 1; i >= 0; i--)
          stack.push({ value: v[i], depth: node.depth + 1, parent: node, key: i });
      } else {
        const keys = Object.keys(v);
        if (keys.length > bounds.maxKeys) {
          return {
            path: at(),
            message: `is an object of ${keys.length} fields; at most ${bounds.maxKeys} are accepted here`,
          };
        }
        bytes += 2;
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i];
          if (RESERVED_KEYS.has(key)) {
            return {
              path: pathOf({ value: undefined, depth: 0, parent: node, key }, root),
              message: `the field name "${key}" is not accepted (__proto__, constructor and prototype are reserved): remove it`,
            };
          }
          if (key.length > bounds.maxString) {
            return {
              path: at(),
              message: `has a field name of ${key.length} characters; at most ${bounds.maxString} are accepted here`,
            };
          }
          bytes += utf8Length(key) + 4;
          stack.push({ value: (v as Record<string, unknown>)[key], depth: node.depth + 1, parent: node, key });
        }
      }
    } else {
      // bigint, symbol, function: never in JSON; refused rather than guessed at.
      return { path: at(), message: `is a ${typeof v}, which no JSON input carries` };
    }
    if (bytes > bounds.maxBytes) {
      return {
        path: root ?? '',
        message: `is larger than ${formatBytes(bounds.maxBytes)} as JSON; at most ${formatBytes(bounds.maxBytes)} are accepted here`,
      };
    }
  }
  return undefined;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
  }
  return n;
}

/** `config.groups[3]`, each key shown at most 40 characters, at most 12 levels (then "..."). */
function pathOf(node: Node, root: string | undefined): string {
  const keys: (string | number)[] = [];
  for (let n: Node | undefined = node; n && n.key !== undefined; n = n.parent) keys.push(n.key);
  keys.reverse();
  const elided = keys.length > 12;
  const shown = elided ? [...keys.slice(0, 6), ...keys.slice(-5)] : keys;
  let out = root ?? '';
  shown.forEach((k, i) => {
    const afterGap = elided && i === 6;
    if (afterGap) out += '...';
    if (typeof k === 'number') out += `[${k}]`;
    else out += out && !afterGap ? `.${clipText(k, 40)}` : clipText(k, 40);
  });
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** At most `max` characters, one line. */
export function clipText(text: string, max: number): string {
  const flat = text.length > max * 4 ? text.slice(0, max * 4) : text;
  const line = flat.replace(/[\r\n\t]+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
