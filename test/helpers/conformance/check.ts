// Compares what kafka-dr sends and reads with the official SDK model (sdk_model.py's JSON). Each function returns
// the mismatches as sentences naming the action, the field and both sides; an empty list means conformant.
import type { z } from 'zod';
import type { CloudProduct } from '../../../src/cloud';
import { CLOUD_CONTRACT, type ParamEncoding } from '../../../src/cloud/contract';
import type { SdkModel, SdkParam, SdkProduct, SdkType } from './sdk';
import { readFields, type JsonKind, type ReadField } from './zod-fields';

export const contract = CLOUD_CONTRACT as Record<CloudProduct, Record<string, Record<string, ParamEncoding>>>;

export function contractActions(): { product: CloudProduct; action: string }[] {
  return (Object.keys(contract) as CloudProduct[]).flatMap((product) =>
    Object.keys(contract[product]).map((action) => ({ product, action })),
  );
}

/** Does kafka-dr's encoding travel the way the official client sends this parameter? */
export function encodingMatches(mine: ParamEncoding, official: SdkParam): boolean {
  switch (mine) {
    case 'string':
      return official.encoding === 'string';
    case 'integer':
      return official.encoding === 'integer' || official.encoding === 'number';
    case 'boolean':
      return official.encoding === 'boolean';
    case 'list':
      return official.encoding === 'list';
    // A `_shrink` parameter (one JSON string), or a string parameter whose documentation says it holds JSON.
    case 'json':
      return official.encoding === 'json' || (official.encoding === 'string' && official.type.docMentionsJson === true);
  }
}

/** Every declared parameter exists in the official request with a matching encoding. */
export function paramProblems(
  model: SdkModel,
  product: CloudProduct,
  action: string,
  declared: Record<string, ParamEncoding> = contract[product][action],
): string[] {
  const official = model.products[product].actions[action];
  if (!official) return [`${product} ${action}: the official SDK has no such action`];
  const out: string[] = [];
  for (const [name, mine] of Object.entries(declared)) {
    const p = official.params.find((x) => x.name === name);
    if (!p)
      out.push(
        `${product} ${action}: kafka-dr sends ${name}, which ${official.requestModel} does not have (it has ${official.params.map((x) => x.name).join(', ')})`,
      );
    else if (!encodingMatches(mine, p))
      out.push(
        `${product} ${action}: kafka-dr sends ${name} as ${mine}, the official client as ${p.encoding} (${p.type.kind})`,
      );
  }
  return out;
}

const JSON_KIND: Record<SdkType['kind'], JsonKind> = {
  string: 'string',
  integer: 'number',
  number: 'number',
  boolean: 'boolean',
  any: 'any',
  list: 'array',
  map: 'object',
  model: 'object',
};

/** A value kafka-dr sends (a JSON param's content, or a scalar), against the official type, recursively. */
export function valueProblems(sdk: SdkProduct, type: SdkType, value: unknown, at: string): string[] {
  const got = Array.isArray(value)
    ? 'array'
    : value === null
      ? 'null'
      : typeof value === 'object'
        ? 'object'
        : typeof value;
  const want = JSON_KIND[type.kind];
  if (want === 'any') return [];
  if (type.kind === 'model') {
    if (got !== 'object') return [`${at} is ${got}, the official model ${type.ref} is an object`];
    const fields = sdk.models[type.ref as string]?.fields ?? {};
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      fields[k]
        ? valueProblems(sdk, fields[k], v, `${at}.${k}`)
        : [`${at}.${k} is not a field of the official ${type.ref} (it has ${Object.keys(fields).join(', ')})`],
    );
  }
  if (type.kind === 'list') {
    if (got !== 'array') return [`${at} is ${got}, the official type is a list`];
    return (value as unknown[]).flatMap((v, i) => valueProblems(sdk, type.items as SdkType, v, `${at}[${i}]`));
  }
  if (type.kind === 'map') return got === 'object' ? [] : [`${at} is ${got}, the official type is a map`];
  if (got !== want) return [`${at} is a ${got}, the official type is ${type.kind}`];
  if (type.kind === 'integer' && !Number.isInteger(value)) return [`${at} = ${String(value)} is not an integer`];
  if (type.values && typeof value === 'string' && !type.values.includes(value)) {
    return [`${at} = ${JSON.stringify(value)} is not one of the official values (${type.values.join(', ')})`];
  }
  return [];
}

/** The official type of one parameter as the request model (not the shrink one) declares it. */
export function requestParamType(sdk: SdkProduct, action: string, name: string): SdkType | undefined {
  const a = sdk.actions[action];
  return a ? sdk.models[a.requestModel]?.fields[name] : undefined;
}

/** The values kafka-dr gave one call, against the official request model (JSON params' contents included). */
export function sentValueProblems(
  model: SdkModel,
  product: CloudProduct,
  action: string,
  params: Record<string, unknown>,
): string[] {
  const sdk = model.products[product];
  return Object.entries(params).flatMap(([name, value]) => {
    const type = requestParamType(sdk, action, name);
    if (!type) return [`${product} ${action}: ${name} is not in the official request model`];
    // A string parameter that holds JSON (CreateTopic Config) has no official inner model to compare with.
    if (type.kind === 'string' && value !== null && typeof value === 'object') return [];
    return valueProblems(sdk, type, value, `${product} ${action} ${name}`);
  });
}

/** Resolves `A.B[].C` in the official response model: the type there, or why it is not there. */
export function officialAt(sdk: SdkProduct, root: string, path: string): SdkType | string {
  let t: SdkType = { kind: 'model', ref: root };
  for (const segment of path.split('.')) {
    const name = segment.replace(/(\[\])+$/, '');
    const lists = (segment.length - name.length) / 2;
    if (t.kind === 'any' || t.kind === 'map') return { kind: 'any' };
    if (t.kind !== 'model') return `${name} is inside a ${t.kind}`;
    const f = sdk.models[t.ref as string]?.fields[name];
    if (!f)
      return `${t.ref} has no ${name} (it has ${Object.keys(sdk.models[t.ref as string]?.fields ?? {}).join(', ')})`;
    t = f;
    for (let i = 0; i < lists; i++) {
      if (t.kind !== 'list') return `${name} is a ${t.kind}, not a list`;
      t = t.items as SdkType;
    }
  }
  return t;
}

/** Every field the response schema reads exists in the official response model with a kind the schema accepts. */
export function readProblems(
  model: SdkModel,
  product: CloudProduct,
  action: string,
  schema: z.ZodType,
): { fields: ReadField[]; problems: string[] } {
  const sdk = model.products[product];
  const fields = readFields(schema);
  const root = sdk.actions[action]?.responseModel;
  if (!root) return { fields, problems: [`${product} ${action}: the official SDK has no response model`] };
  const problems: string[] = [];
  for (const f of fields) {
    const at = officialAt(sdk, root, f.path);
    if (typeof at === 'string') {
      problems.push(`${product} ${action}: kafka-dr reads ${f.path}${f.required ? ' (required)' : ''}, but ${at}`);
      continue;
    }
    const official = JSON_KIND[at.kind];
    if (official !== 'any' && !f.kinds.includes('any') && !f.kinds.includes(official)) {
      problems.push(
        `${product} ${action}: kafka-dr reads ${f.path} as ${f.kinds.join('|')}, the official model has ${at.kind}`,
      );
    }
  }
  return { fields, problems };
}
