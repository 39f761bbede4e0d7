// Installs the client matrix's applications on demand, from package registries only, into .stack/clients/
// (cached: a marker written last makes an interrupted install start over): kafka-clients from Maven Central,
// confluent-kafka from PyPI in a virtualenv, the Go clients through the Go module proxy (built with the
// machine's Go), kafkajs from the project's own node_modules. Returns the command that runs one application.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClientKind } from '../../src/clients/guidance';
import { repoRoot, stackDir } from '../local-stack';

const here = path.join(repoRoot, 'stack', 'clients');
const installs = path.join(stackDir, 'clients');

function run(cmd: string, args: string[], what: string, cwd = repoRoot): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 16 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}):\n${out || r.error?.message}`);
  }
}

/** Runs `install` into `dir` unless its marker says it is done; the marker holds `stamp`. */
function once(dir: string, stamp: string, install: () => void): void {
  const marker = path.join(dir, '.complete');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === stamp) return;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  install();
  fs.writeFileSync(marker, stamp);
}

/** The command (argv) that starts one application; the harness appends bootstrap, topic, group, rate and settings. */
export function ensureClient(kind: ClientKind, version: string, log: (s: string) => void = () => undefined): string[] {
  switch (kind) {
    case 'java': {
      const libs = path.join(installs, `java-${version}`, 'libs');
      once(path.dirname(libs), version, () => {
        log(`installing org.apache.kafka:kafka-clients ${version} (Maven Central)...`);
        run(
          'mvn',
          [
            '-q',
            '-B',
            '-f',
            path.join(here, 'java', 'pom.xml'),
            `-Dkafka.clients.version=${version}`,
            'dependency:copy-dependencies',
            `-DoutputDirectory=${libs}`,
          ],
          `fetching kafka-clients ${version} with Maven`,
        );
      });
      // Java's source-file mode compiles ClientApp.java at start: no build step, nothing to go stale.
      return [
        'java',
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        '-cp',
        `${libs}/*`,
        path.join(here, 'java', 'ClientApp.java'),
      ];
    }
    case 'librdkafka': {
      const venv = path.join(installs, `confluent-kafka-${version}`, 'venv');
      once(path.dirname(venv), version, () => {
        log(`installing confluent-kafka ${version} (PyPI) into a virtualenv...`);
        run('python3', ['-m', 'venv', venv], 'creating a virtualenv for confluent-kafka');
        run(
          path.join(venv, 'bin', 'pip'),
          ['install', '--quiet', '--disable-pip-version-check', `confluent-kafka==${version}`],
          `pip install confluent-kafka==${version}`,
        );
      });
      return [path.join(venv, 'bin', 'python'), '-u', path.join(here, 'python', 'client_app.py')];
    }
    case 'kafkajs':
      return [path.join(repoRoot, 'node_modules', '.bin', 'tsx'), path.join(here, 'kafkajs', 'client-app.ts')];
    default: {
      // One build for the three Go clients; go.mod pins their versions, and a change of any source rebuilds.
      const goDir = path.join(here, 'go');
      const bin = path.join(installs, 'go-bin');
      const sources = ['go.mod', 'go.sum', 'franz/main.go', 'sarama/main.go', 'kafkago/main.go'];
      const stamp = crypto
        .createHash('sha256')
        .update(sources.map((f) => fs.readFileSync(path.join(goDir, f), 'utf8')).join('\0'))
        .digest('hex');
      once(bin, stamp, () => {
        log('building the Go clients (franz-go, sarama, kafka-go from the Go module proxy)...');
        run('go', ['build', '-o', `${bin}/`, './...'], 'building the Go client applications', goDir);
      });
      return [path.join(bin, { 'franz-go': 'franz', sarama: 'sarama', 'kafka-go': 'kafkago' }[kind])];
    }
  }
}

/** The version of a Go client pinned in stack/clients/go/go.mod. */
export function goModuleVersion(module: string): string {
  const m = new RegExp(`${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} (v[^\\s]+)`).exec(
    fs.readFileSync(path.join(here, 'go', 'go.mod'), 'utf8'),
  );
  if (!m) throw new Error(`stack/clients/go/go.mod does not require ${module}`);
  return m[1];
}
