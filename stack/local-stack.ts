// Addresses of the embedded local stack (stack/). Every port can be moved with an environment variable so the
// stack can live next to other services; the worker, the CLI, the tests and the emulator all read them here.
import * as path from 'node:path';
import { stackCaFile, stackSaslEnv } from './tls';

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
export const stackDir = process.env.KDR_STACK_DIR
  ? path.resolve(process.env.KDR_STACK_DIR)
  : path.join(repoRoot, '.stack');

export const host = '127.0.0.1';
/** Each broker's own loopback address for its DR and SASL_SSL listeners, so both share one port (the CNAME moves, not the port). */
export const drAddress = { primary: '127.0.0.2', secondary: '127.0.0.3' } as const;

// Getters, not values: a stray or malformed KDR_*_PORT must only matter where the local stack is used, never
// when the production worker or `kdr` merely import this module.
export const ports = {
  get temporal() {
    return port('KDR_TEMPORAL_PORT', 7233);
  },
  get temporalUi() {
    return port('KDR_TEMPORAL_UI_PORT', 8233);
  },
  get primary() {
    return port('KDR_PRIMARY_PORT', 19092);
  },
  get primaryController() {
    return port('KDR_PRIMARY_CONTROLLER_PORT', 19093);
  },
  get secondary() {
    return port('KDR_SECONDARY_PORT', 29092);
  },
  get secondaryController() {
    return port('KDR_SECONDARY_CONTROLLER_PORT', 29093);
  },
  get connect() {
    return port('KDR_CONNECT_PORT', 8083);
  },
  get emulator() {
    return port('KDR_EMULATOR_PORT', 18080);
  },
  get dns() {
    return port('KDR_DNS_PORT', 5353);
  },
  /** The brokers' SASL_SSL listeners, on their DR addresses (drAddress). */
  get drSaslSsl() {
    return port('KDR_DR_SASL_SSL_PORT', 39093);
  },
};

export const local = {
  // The *_BOOTSTRAP / *_URL overrides are for docker-compose, where services have names instead of loopback ports.
  get temporalAddress() {
    return `${host}:${ports.temporal}`;
  },
  get temporalUiUrl() {
    return `http://${host}:${ports.temporalUi}`;
  },
  namespace: 'default',
  get primaryBootstrap() {
    return process.env.KDR_PRIMARY_BOOTSTRAP ?? `${host}:${ports.primary}`;
  },
  get secondaryBootstrap() {
    return process.env.KDR_SECONDARY_BOOTSTRAP ?? `${host}:${ports.secondary}`;
  },
  get connectUrl() {
    return process.env.KDR_CONNECT_URL ?? `http://${host}:${ports.connect}`;
  },
  get emulatorUrl() {
    return `http://${host}:${ports.emulator}`;
  },
  get dnsServer() {
    return `${host}:${ports.dns}`;
  },
  /**
   * The worker's AccessKey pair; only ever used against the local emulator, which holds it to the documented worker
   * policy (config/ram/kafka-dr-worker.json), so every run on the stack proves that policy suffices.
   */
  get accessKeyId() {
    return process.env.KDR_EMULATOR_ACCESS_KEY_ID ?? 'LTAI5tKdrLocalStack0001';
  },
  get accessKeySecret() {
    return process.env.KDR_EMULATOR_ACCESS_KEY_SECRET ?? 'kdr-local-stack-secret-not-for-production';
  },
  /** A second pair without a RAM policy, for test helpers only (cleanup and inspection: Delete*, ListEventStreamings); never a worker's. */
  get adminAccessKeyId() {
    return process.env.KDR_EMULATOR_ADMIN_ACCESS_KEY_ID ?? 'LTAI5tKdrLocalAdmin0001';
  },
  get adminAccessKeySecret() {
    return process.env.KDR_EMULATOR_ADMIN_ACCESS_KEY_SECRET ?? 'kdr-local-admin-secret-not-for-production';
  },
};

/** Whether `address` is the local stack's Temporal; false (never an error) when the stack's ports are misconfigured. */
export function isLocalTemporal(address: string): boolean {
  try {
    return address === local.temporalAddress;
  } catch {
    return false;
  }
}

export { TASK_QUEUE } from '../workflows/contract';

/** The hosts of the local stack (loopback, its DNS zone, the emulated ApsaraMQ endpoints, docker-compose service names). */
function localInlineHosts(): string[] {
  const hostOf = (a: string) =>
    a
      .replace(/^https?:\/\//, '')
      .split('/')[0]
      .replace(/:\d+$/, '')
      .toLowerCase();
  const hosts = [
    '127.0.0.1',
    drAddress.primary,
    drAddress.secondary,
    'localhost',
    '*.kdr.test',
    'kdr.test',
    '*.alikafka.aliyuncs.com',
    hostOf(local.primaryBootstrap),
    hostOf(local.secondaryBootstrap),
    hostOf(local.connectUrl),
    hostOf(local.dnsServer),
  ];
  return [...new Set(hosts)];
}

/**
 * The environment a worker needs to run against the local stack instead of a real account: the emulator's
 * AccessKey pair and endpoints, the SCRAM credentials of its SASL_SSL listeners, replication factor 1 (single-broker clusters) and the example pairs file.
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
    // The emulated ApsaraMQ instances (stack/emulator/instances.ts) and the stack's CA directory (stack/tls.ts).
    KDR_INLINE_ALLOWED_INSTANCES: 'cn-hangzhou/alikafka_pre-cn-kdrprimary01,cn-shanghai/alikafka_pre-cn-kdrsecond001',
    KDR_INLINE_CA_DIRS: path.dirname(stackCaFile()),
    // The stack's SCRAM user for pairs over its SASL_SSL listeners (made at stack:up; absent before).
    ...stackSaslEnv(),
    ...base,
  };
}
