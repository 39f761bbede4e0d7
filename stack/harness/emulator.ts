// An Alibaba Cloud emulator of its own for one test file: free ports, a temporary state dir, the real local
// Kafka clusters and Kafka Connect behind it. Clients are the real cloud layer (pop-core) pointed at it.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { local } from '../local-stack';
import { createCloudClients, type CloudClients } from '../../src/cloud';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server';
import type { FaultRule } from '../emulator/faults';
import { dataPlaneFromEnv } from '../emulator/data-plane';

export const PRIMARY_ID = 'alikafka_pre-cn-kdrprimary01';
export const PRIMARY_REGION = 'cn-hangzhou';
export const SECONDARY_ID = 'alikafka_pre-cn-kdrsecond001';
export const SECONDARY_REGION = 'cn-shanghai';

export interface TestEmulator {
  emulator: Emulator;
  stateDir: string;
  /** The token fault injection needs (header x-kdr-admin-token). */
  adminToken: string;
  env: Record<string, string>;
  clients: CloudClients;
  /** Clients with other env on top (e.g. a wrong secret, a short timeout). */
  clientsWith(extra: Record<string, string>): CloudClients;
  setFaults(rule: FaultRule | FaultRule[]): Promise<void>;
  clearFaults(): Promise<void>;
  /** Stop and start again on the same ports and state dir (state must survive). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export function cloudEnvFor(url: string): Record<string, string> {
  return {
    ALIBABA_CLOUD_ACCESS_KEY_ID: local.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: local.accessKeySecret,
    KDR_ALIKAFKA_ENDPOINT: `${url}/alikafka/{region}`,
    KDR_ALIDNS_ENDPOINT: `${url}/alidns`,
    KDR_EVENTBRIDGE_ENDPOINT: `${url}/eventbridge/{region}`,
  };
}

/**
 * `env` with the emulator's admin AccessKey (no RAM policy) instead of the worker's: for test helpers that clean up
 * or inspect with calls the worker's policy does not allow (Delete*, ListEventStreamings). Never give it to a worker.
 */
export function stackAdminEnv<E extends Record<string, string | undefined>>(env: E): E {
  return {
    ...env,
    ALIBABA_CLOUD_ACCESS_KEY_ID: local.adminAccessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: local.adminAccessKeySecret,
  };
}

/**
 * `overrides.ramPolicy` holds the worker key (local.accessKeyId) to a RAM policy (stack/emulator/ram.ts); without it
 * that key is unrestricted. The admin key (stackAdminEnv) is accepted too, never restricted.
 */
export async function startTestEmulator(overrides: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const stateDir = overrides.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kdr-emulator-test-'));
  const base: EmulatorOptions = {
    httpPort: 0,
    dnsPort: 0,
    stateDir,
    primaryBootstrap: local.primaryBootstrap,
    secondaryBootstrap: local.secondaryBootstrap,
    connectUrl: local.connectUrl,
    accessKeyId: local.accessKeyId,
    accessKeySecret: local.accessKeySecret,
    // KDR_EMULATOR_EVENTBRIDGE_MODE and the KDR_EMULATOR_EVENTBRIDGE_KEEP_* switches run a test file under another data plane.
    eventBridgeDataPlane: dataPlaneFromEnv(process.env),
    // Fault injection answers only with this token (tests only).
    adminToken: randomBytes(16).toString('hex'),
    extraAccessKeys: [{ id: local.adminAccessKeyId, secret: local.adminAccessKeySecret }],
    ...overrides,
  };
  let emulator = await startEmulator(base);
  const env = cloudEnvFor(emulator.url);
  const admin = async (method: string, body?: unknown) => {
    const res = await fetch(`${emulator.url}/__admin/faults`, {
      method,
      headers: { 'content-type': 'application/json', 'x-kdr-admin-token': base.adminToken ?? '' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`faults ${method}: HTTP ${res.status} ${await res.text()}`);
  };
  const t: TestEmulator = {
    get emulator() {
      return emulator;
    },
    stateDir,
    adminToken: base.adminToken ?? '',
    env,
    clients: createCloudClients(env),
    clientsWith: (extra) => createCloudClients({ ...env, ...extra }),
    setFaults: (rule) => admin('POST', rule),
    clearFaults: () => admin('DELETE'),
    restart: async () => {
      const { httpPort, dnsPort } = emulator;
      await emulator.close();
      emulator = await startEmulator({ ...base, httpPort, dnsPort: dnsPort ?? 0 });
    },
    close: async () => {
      await emulator.close();
      if (!overrides.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Await a rejected promise and return the error (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Polls `fn` until it returns a value (undefined = not yet), remembering the last error for the timeout message. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
