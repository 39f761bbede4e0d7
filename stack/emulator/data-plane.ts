// How an emulated EventBridge event stream moves records. `mirror` runs a MirrorMaker 2 MirrorSourceConnector
// on Kafka Connect (partition, order, key, value, headers and CreateTime kept byte for byte). `reproduce`
// re-produces each record through a plain producer, as the real service is documented to do (its Kafka sink
// takes Key/Value JSONPaths and has no partition parameter): key-hash partitioning on the sink (null keys
// spread), the sink's append time as the timestamp, headers dropped unless the stream maps them
// (SinkKafkaParameters.Headers, reproducer.ts). Each property is a switch, so a test can
// run a failover under any combination. Evidence and open questions: docs/alicloud-emulator.md.

export type DataPlaneMode = 'mirror' | 'reproduce';

/** What a `reproduce` stream keeps of each record (key and value are always kept, byte for byte). */
export interface ReproduceFidelity {
  /** Write to the source record's partition instead of letting the sink producer's partitioner choose. */
  keepPartition: boolean;
  /** Carry the source record's timestamp instead of the time the sink producer sends it. */
  keepTimestamp: boolean;
  /** Carry the source record's headers even when the stream does not map them (a stream that maps them always carries them). */
  keepHeaders: boolean;
}

export interface DataPlaneConfig {
  mode: DataPlaneMode;
  /** Used when mode is `reproduce`. */
  fidelity: ReproduceFidelity;
}

/** The real service as documented or expected: nothing but key and value survives. */
export const REPRODUCE_DEFAULTS: ReproduceFidelity = { keepPartition: false, keepTimestamp: false, keepHeaders: false };

/** The local stack's default: the pessimistic reading of the real service (docs/alicloud-emulator.md); `mirror` on request. */
export const DEFAULT_DATA_PLANE: DataPlaneConfig = { mode: 'reproduce', fidelity: REPRODUCE_DEFAULTS };

export const DATA_PLANE_ENV = {
  mode: 'KDR_EMULATOR_EVENTBRIDGE_MODE',
  keepPartition: 'KDR_EMULATOR_EVENTBRIDGE_KEEP_PARTITION',
  keepTimestamp: 'KDR_EMULATOR_EVENTBRIDGE_KEEP_TIMESTAMP',
  keepHeaders: 'KDR_EMULATOR_EVENTBRIDGE_KEEP_HEADERS',
} as const;

export class DataPlaneConfigError extends Error {
  override name = 'DataPlaneConfigError';
}

function flag(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new DataPlaneConfigError(
    `${name}="${raw}" is not a switch: set it to true or false (or unset it for the mode's default)`,
  );
}

/** Reads the data plane from the environment; an invalid value is refused naming the variable. */
export function dataPlaneFromEnv(env: Record<string, string | undefined> = process.env): DataPlaneConfig {
  const raw = env[DATA_PLANE_ENV.mode];
  const mode = raw === undefined || raw === '' ? DEFAULT_DATA_PLANE.mode : raw;
  if (mode !== 'mirror' && mode !== 'reproduce') {
    throw new DataPlaneConfigError(
      `${DATA_PLANE_ENV.mode}="${raw}" is not a data plane: set it to mirror or reproduce`,
    );
  }
  return {
    mode,
    fidelity: {
      keepPartition: flag(env, DATA_PLANE_ENV.keepPartition, REPRODUCE_DEFAULTS.keepPartition),
      keepTimestamp: flag(env, DATA_PLANE_ENV.keepTimestamp, REPRODUCE_DEFAULTS.keepTimestamp),
      keepHeaders: flag(env, DATA_PLANE_ENV.keepHeaders, REPRODUCE_DEFAULTS.keepHeaders),
    },
  };
}

/** Fills a partial config (e.g. from a test) with the defaults. */
export function dataPlaneOf(
  partial: { mode?: DataPlaneMode; fidelity?: Partial<ReproduceFidelity> } | undefined,
): DataPlaneConfig {
  return {
    mode: partial?.mode ?? DEFAULT_DATA_PLANE.mode,
    fidelity: { ...REPRODUCE_DEFAULTS, ...(partial?.fidelity ?? {}) },
  };
}
