// Small zod building blocks for POP answers: numbers may arrive as strings, big ones as strings (see rpc.ts),
// and empty lists are sometimes omitted.
import { z } from 'zod';

export const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform(Number);
/** Kafka offsets travel as strings (kafkajs convention), so 64-bit values never lose precision. */
export const offset = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(String);
export const bool = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true');

export const popEnvelope = z.looseObject({ RequestId: z.string() });

/** `{ Wrapper: { Item: [...] } }` with either level possibly missing when empty. */
export function wrapped<T extends z.ZodType>(key: string, item: T) {
  return z
    .looseObject({ [key]: z.array(item).optional() })
    .optional()
    .transform((w) => ((w as Record<string, unknown> | undefined)?.[key] as z.output<T>[] | undefined) ?? []);
}
