// Addresses of the embedded local stack (stack/). Every port can be moved with an environment variable so the
// stack can live next to other services; the worker, the CLI, the tests and the emulator all read them here.
import * as path from 'node:path';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port: set it to an integer between 1 and 65535, or unset it`);
  }
  return n;
}

export const repoRoot = path.resolve(__dirname, '..');
/** Everything the stack installs or writes lives here (git-ignored). */
export const stackDir = process.env.KDR_STACK_DIR ? path.resolve(process.env.KDR_STACK_DIR) : path.join(repoRoot, '.stack');

export const host = '127.0.0.1';

export const ports = {
  temporal: port('KDR_TEMPORAL_PORT', 7233),
  temporalUi: port('KDR_TEMPORAL_UI_PORT', 8233),
  primary: port('KDR_PRIMARY_PORT', 19092),
  primaryController: port('KDR_PRIMARY_CONTROLLER_PORT', 19093),
  secondary: port('KDR_SECONDARY_PORT', 29092),
  secondaryController: port('KDR_SECONDARY_CONTROLLER_PORT', 29093),
  connect: port('KDR_CONNECT_PORT', 8083),
  emulator: port('KDR_EMULATOR_PORT', 18080),
  dns: port('KDR_DNS_PORT', 5353),
};

export const local = {
  // The *_BOOTSTRAP / *_URL overrides are for docker-compose, where services have names instead of loopback ports.
  temporalAddress: `${host}:${ports.temporal}`,
  temporalUiUrl: `http://${host}:${ports.temporalUi}`,
  namespace: 'default',
  primaryBootstrap: process.env.KDR_PRIMARY_BOOTSTRAP ?? `${host}:${ports.primary}`,
  secondaryBootstrap: process.env.KDR_SECONDARY_BOOTSTRAP ?? `${host}:${ports.secondary}`,
  connectUrl: process.env.KDR_CONNECT_URL ?? `http://${host}:${ports.connect}`,
  emulatorUrl: `http://${host}:${ports.emulator}`,
  dnsServer: `${host}:${ports.dns}`,
  /** The AccessKey pair the emulator accepts; only ever used against the local emulator. */
  accessKeyId: process.env.KDR_EMULATOR_ACCESS_KEY_ID ?? 'LTAI5tKdrLocalStack0001',
  accessKeySecret: process.env.KDR_EMULATOR_ACCESS_KEY_SECRET ?? 'kdr-local-stack-secret-not-for-production',
};

/** Task queue of the kafka-dr worker (the contract in DESIGN.md). */
export const TASK_QUEUE = 'kafka-dr';

/** The hosts of the local stack (loopback, its DNS zone, the emulated ApsaraMQ endpoints, docker-compose service names). */
function localInlineHosts(): string[] {
  const hostOf = (a: string) => a.replace(/^https?:\/\//, '').split('/')[0].replace(/:\d+$/, '').toLowerCase();
  const hosts = ['127.0.0.1', 'localhost', '*.kdr.test', 'kdr.test', '*.alikafka.aliyuncs.com',
    hostOf(local.primaryBootstrap), hostOf(local.secondaryBootstrap), hostOf(local.connectUrl), hostOf(local.dnsServer)];
  return [...new Set(hosts)];
}

/**
 * The environment a worker needs to run against the local stack instead of a real account: the emulator's
 * AccessKey pair and endpoints, replication factor 1 (single-broker clusters) and the example pairs file.
 * Used by `npm run dev`, the demo and the tests; values already set in `base` win.
 */
export function localStackEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ALIBABA_CLOUD_ACCESS_KEY_ID: local.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: local.accessKeySecret,
    KDR_ALIKAFKA_ENDPOINT: `${local.emulatorUrl}/alikafka/{region}`,
    KDR_ALIDNS_ENDPOINT: `${local.emulatorUrl}/alidns`,
    KDR_EVENTBRIDGE_ENDPOINT: `${local.emulatorUrl}/eventbridge/{region}`,
    KDR_REPLICATION_FACTOR: '1',
    KDR_PAIRS_FILE: path.join(repoRoot, 'config', 'pairs.example.jsonc'),
    // Inline pair configs (tests, the demo) only for the stack's own hosts; SASL variables only KDR_SECRET_*.
    KDR_ALLOW_INLINE_CONFIG: 'true',
    KDR_INLINE_ALLOWED_HOSTS: localInlineHosts().join(','),
    KDR_SECRET_ENV_PREFIX: 'KDR_SECRET_',
    ...base,
  };
}
