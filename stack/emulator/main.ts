// Entry point used by `npm run stack:up`: node_modules/.bin/tsx stack/emulator/main.ts (cwd = repo root).
import * as path from 'node:path';
import { local, ports, stackDir } from '../local-stack';
import { startEmulator } from './server';
import { dataPlaneFromEnv } from './data-plane';

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
    // KDR_EMULATOR_EVENTBRIDGE_MODE=mirror|reproduce and KDR_EMULATOR_EVENTBRIDGE_KEEP_{PARTITION,TIMESTAMP,HEADERS}.
    eventBridgeDataPlane: dataPlaneFromEnv(process.env),
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  const stop = (signal: string) => {
    console.log(`${new Date().toISOString()} ${signal}: stopping`);
    emulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`emulator failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
