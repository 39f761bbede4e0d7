// kafka-dr's recorded parameters in the form the official SDK's request model takes them (its from_map input).
import { contract } from './check';
import { plainValue, type RecordedCall } from './record';
import type { SdkModel } from './sdk';

/** Wire names and plain JSON values; a JSON param the official model types as a string (CreateTopic Config) is a string. */
export function officialInput(model: SdkModel, c: RecordedCall): Record<string, unknown> {
  const official = model.products[c.product].actions[c.action];
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(c.params)) {
    if (value === undefined || value === null) continue;
    const encoding = official?.params.find((p) => p.name === name)?.encoding;
    out[name] =
      contract[c.product][c.action]?.[name] === 'json' && encoding === 'string'
        ? JSON.stringify(plainValue(value))
        : plainValue(value);
  }
  return out;
}
