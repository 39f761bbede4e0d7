// Worker side only (reads the file system): loads the named DR pairs from the file at $KDR_PAIRS_FILE.
// Workflows never import this; they receive a validated PairConfig from an activity.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonc } from './jsonc';
import { PairConfigSchema, type PairConfig } from './pair';
import { clipText } from './bounds';
import { formatPath, MAX_SHOWN_PROBLEMS, validate } from './validate';
import { KdrError } from '../errors';

export const PAIRS_FILE_ENV = 'KDR_PAIRS_FILE';

export class PairsFileError extends KdrError {
  override name = 'PairsFileError';
  readonly retryable = false;
}

export class UnknownPairError extends KdrError {
  override name = 'UnknownPairError';
  readonly retryable = false;
}

export interface PairsFile {
  path: string;
  pairs: Map<string, PairConfig>;
}

/** The path named by $KDR_PAIRS_FILE, or a clear error saying how to set it. */
export function pairsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const file = env[PAIRS_FILE_ENV];
  if (!file) {
    throw new PairsFileError(
      `${PAIRS_FILE_ENV} is not set: point it at a pairs file (see config/pairs.example.jsonc), ` +
        'or start the run with "config" (a whole pair) instead of "pair"',
    );
  }
  return path.resolve(file);
}

export function loadPairsFile(file: string = pairsFilePath()): PairsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PairsFileError(`${file}: cannot read the pairs file (${code ?? String(err)}); check ${PAIRS_FILE_ENV}`);
  }
  return { path: file, pairs: parsePairs(text, file) };
}

/** Parses and validates every pair of a pairs file; one error lists every problem with file, pair and field. */
export function parsePairs(text: string, source: string): Map<string, PairConfig> {
  let doc: unknown;
  try {
    doc = parseJsonc(text);
  } catch (err) {
    throw new PairsFileError(`${source}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { pairs?: unknown }).pairs : undefined;
  if (!Array.isArray(list)) {
    throw new PairsFileError(`${source}: expected an object { "pairs": [ { "name": ..., ... }, ... ] }`);
  }
  const problems: string[] = [];
  const pairs = new Map<string, PairConfig>();
  list.forEach((raw, index) => {
    const name =
      raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
        ? (raw as { name: string }).name
        : undefined;
    const label = name ? `pair "${clipText(name, 63)}"` : formatPath(['pairs', index]);
    const result = validate(PairConfigSchema, raw);
    if (!result.ok) {
      for (const issue of result.issues)
        problems.push(`${label}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
    } else if (pairs.has(result.value.name)) {
      problems.push(`${label}: name: the name "${result.value.name}" is used twice; pair names must be unique`);
    } else {
      pairs.set(result.value.name, result.value);
    }
  });
  if (problems.length === 1) throw new PairsFileError(`${source}: ${clipText(problems[0], 400)}`);
  if (problems.length > 1) {
    const shown = problems.slice(0, MAX_SHOWN_PROBLEMS).map((p) => `  - ${clipText(p, 400)}`);
    const more = problems.length - shown.length;
    throw new PairsFileError(
      `${source}: ${problems.length} problems:\n${shown.join('\n')}${more > 0 ? `\n  ... and ${more} more` : ''}`,
    );
  }
  return pairs;
}

/** The pair a run asks for: the inline config as is, or the named pair from the pairs file. */
export function resolvePairRef(ref: { pair?: string; config?: PairConfig }, file?: string): PairConfig {
  if (ref.config) return ref.config;
  if (!ref.pair) throw new UnknownPairError('give "pair" (a name from the pairs file) or "config" (a whole pair)');
  const loaded = loadPairsFile(file ?? pairsFilePath());
  const pair = loaded.pairs.get(ref.pair);
  if (!pair) {
    const known = [...loaded.pairs.keys()].map((n) => `"${n}"`).join(', ') || 'none';
    throw new UnknownPairError(`pair "${ref.pair}" is not in ${loaded.path} (known pairs: ${known})`);
  }
  return pair;
}
