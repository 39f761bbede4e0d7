// What a response schema of the cloud layer reads, as field paths (`InstanceList.InstanceVO[].InstanceId`) with the
// JSON kinds it accepts on the wire; and a minimal answer the schema accepts (for the recording stub).
import type { z } from 'zod';

export type JsonKind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'any';

export interface ReadField {
  path: string;
  /** JSON kinds the schema accepts there ('any' accepts everything). */
  kinds: JsonKind[];
  /** kafka-dr cannot parse the answer without it. */
  required: boolean;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
}
const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps optional/nullable/default/pipe (the wire side); `optional` says whether a wrapper made it optional. */
function unwrap(s: z.ZodType): { schema: z.ZodType; optional: boolean } {
  let optional = false;
  for (;;) {
    const d = def(s);
    if (d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault') {
      optional = true;
      s = d.innerType as z.ZodType;
    } else if (d.type === 'pipe') {
      s = d.in as z.ZodType;
    } else return { schema: s, optional };
  }
}

function kindsOf(s: z.ZodType): JsonKind[] {
  const { schema } = unwrap(s);
  const d = def(schema);
  switch (d.type) {
    case 'string':
    case 'enum':
    case 'literal':
      return d.type === 'literal' && typeof d.values?.[0] !== 'string'
        ? [typeof d.values?.[0] as JsonKind]
        : ['string'];
    case 'number':
    case 'int':
    case 'bigint':
      return ['number'];
    case 'boolean':
      return ['boolean'];
    case 'object':
      return ['object'];
    case 'array':
      return ['array'];
    case 'union':
      return [...new Set((d.options ?? []).flatMap(kindsOf))];
    default:
      return ['any'];
  }
}

/** Every field path the schema reads, depth first. */
export function readFields(schema: z.ZodType, prefix = '', parentRequired = true): ReadField[] {
  const { schema: s } = unwrap(schema);
  const d = def(s);
  const out: ReadField[] = [];
  if (d.type === 'object') {
    for (const [key, child] of Object.entries(d.shape ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      const { optional } = unwrap(child);
      const required = parentRequired && !optional;
      out.push({ path, kinds: kindsOf(child), required });
      out.push(...readFields(child, path, required));
    }
  } else if (d.type === 'array') {
    out.push(...readFields(d.element as z.ZodType, `${prefix}[]`, false));
  } else if (d.type === 'union') {
    for (const option of d.options ?? []) out.push(...readFields(option, prefix, false));
  }
  return out;
}

/** A small value the schema accepts, with every optional field present (so nested paths are exercised). */
export function sampleOf(schema: z.ZodType): unknown {
  const { schema: s } = unwrap(schema);
  const d = def(s);
  switch (d.type) {
    case 'object':
      return Object.fromEntries(Object.entries(d.shape ?? {}).map(([k, v]) => [k, sampleOf(v)]));
    case 'array':
      return [sampleOf(d.element as z.ZodType)];
    case 'union':
      return sampleOf((d.options ?? [])[0]);
    case 'string':
      return 'x';
    case 'enum':
      return Object.values(d.entries ?? {})[0];
    case 'literal':
      return d.values?.[0];
    case 'number':
    case 'int':
      return 1;
    case 'boolean':
      return true;
    default:
      return {};
  }
}
