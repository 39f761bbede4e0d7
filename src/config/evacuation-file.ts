// Worker side only (reads the file system): the pairs file's `evacuation` section, next to its `pairs`.
import * as fs from 'node:fs';
import { parseJsonc } from './jsonc';
import { EvacuationSettingsSchema, type EvacuationSettings } from './evacuation';
import { PairsFileError } from './file';
import { validate } from './validate';

/** The section as written (validated), or the defaults when the file has none. */
export function loadEvacuationSettings(file: string): EvacuationSettings {
  let doc: unknown;
  try {
    doc = parseJsonc(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PairsFileError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const raw =
    doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { evacuation?: unknown }).evacuation : undefined;
  const result = validate(EvacuationSettingsSchema, raw ?? {});
  if (!result.ok) throw new PairsFileError(`${file}: evacuation: ${result.message}`);
  return result.value;
}
