// Entry point used by `npm run stack:up`: node_modules/.bin/tsx stack/emulator/main.ts (cwd = repo root).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { local, ports, repoRoot, stackDir } from '../local-stack';
import { startEmulator } from './server';
import { dataPlaneFromEnv } from './data-plane';
import { parsePolicy, type RamPolicy } from './ram';
import { WORKER_POLICY_FILE } from '../../src/cloud/ram';

/**
 * The worker key's RAM policy: the documented one (config/ram/kafka-dr-worker.json) unless KDR_EMULATOR_WORKER_POLICY
 * names another file, or is "none" (the key then acts as the account's own, allowed everything).
 */
function workerPolicy(): RamPolicy | undefined {
  const setting = process.env.KDR_EMULATOR_WORKER_POLICY;
  if (setting === 'none') return undefined;
  const file = setting || path.join(repoRoot, WORKER_POLICY_FILE);
  return parsePolicy(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}

async function main(): Promise<void> {
  const emulator = await startEmulator({
    httpPort: ports.emulator,
    dnsPort: ports.dns,
    stateDir: process.env.KDR_EMULATOR_STATE_DIR ?? path.join(stackDir, 'emulator'),
    primaryBootstrap: local.primaryBootstrap,
    secondaryBootstrap: local.secondaryBootstrap,
    connectUrl: local.connectUrl,
    accessKeyId: local.accessKeyId,
    accessKeySecret: local.accessKeySecret,
    ramPolicy: workerPolicy(),
    // Test helpers clean up and inspect with calls the worker never makes (Delete*, ListEventStreamings).
    extraAccessKeys: [{ id: local.adminAccessKeyId, secret: local.adminAccessKeySecret }],
    // KDR_EMULATOR_EVENTBRIDGE_MODE=mirror|reproduce and KDR_EMULATOR_EVENTBRIDGE_KEEP_{PARTITION,TIMESTAMP,HEADERS}.
    eventBridgeDataPlane: dataPlaneFromEnv(process.env),
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  const stop = (signal: string) => {
    console.log(`${new Date().toISOString()} ${signal}: stopping`);
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`emulator failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
