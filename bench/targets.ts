// What a reset applies, per group: the offsets of drFailover's plan (query `plan`), so every method is given
// exactly the same input. Structural on purpose: only the fields the benchmark methods read.
export interface GroupTarget {
  group: string;
  /** [topic, partition, offset, source] per partition. */
  offsets: readonly (readonly [string, number, number, string])[];
}
