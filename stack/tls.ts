// The local stack's SASL_SSL material: a CA, one broker key store signed by it, and the SCRAM user's secret.
// ApsaraMQ's public endpoints speak SASL_SSL, so the stack offers the same on every broker and the tests run a
// pair over it. Made once with the JDK's keytool (Java is already required), kept under .stack/tls/.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stackDir } from './local-stack';

/** Names the local worker and Kafka Connect read the SCRAM credentials from (values stay in .stack/tls/). */
export const STACK_SASL_ENV = {
  username: 'KDR_SECRET_LOCAL_SASL_USERNAME',
  password: 'KDR_SECRET_LOCAL_SASL_PASSWORD',
} as const;
export const STACK_SASL_USER = 'kdr-local';

// Every name and address a client may dial a SASL_SSL listener by: loopback addresses of the stack's brokers
// and of the throwaway ones tests start, and the local DNS zone the CNAME lives in.
const SUBJECT_ALT_NAMES = [
  'dns:localhost',
  'dns:kdr.test',
  'dns:*.kdr.test',
  'dns:*.alikafka.aliyuncs.com',
  ...[1, 2, 3, 4, 5, 9].map((i) => `ip:127.0.0.${i}`),
];

export interface StackTls {
  dir: string;
  /** PEM CA certificate: what a pair's `security.caFile` names. */
  caFile: string;
  /** PKCS12 key store of the brokers' listener (key + chain). */
  keyStore: string;
  /** Password of the key store; local-only, readable by this user alone. */
  storePassword: string;
  username: string;
  password: string;
}

const dirOf = () => path.join(stackDir, 'tls');

function keytool(dir: string, args: string[]): void {
  const r = spawnSync('keytool', args, { cwd: dir, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `keytool ${args[0]} failed (it comes with the JDK the stack needs): ${r.error?.message ?? ''}${r.stdout}${r.stderr}`,
    );
  }
}

function secretFile(file: string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/** The stack's TLS files, made on first use; idempotent (an interrupted run is redone from scratch). */
export function ensureStackTls(): StackTls {
  const dir = dirOf();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const storePassword = secretFile(path.join(dir, 'store.pass'));
  const password = secretFile(path.join(dir, 'sasl.pass'));
  const f = (name: string) => path.join(dir, name);
  const done = f('complete');
  const sans = SUBJECT_ALT_NAMES.join(',');
  if (!fs.existsSync(done) || fs.readFileSync(done, 'utf8') !== sans) {
    for (const name of ['ca.p12', 'ca.pem', 'broker.p12', 'broker.csr', 'broker.crt', 'complete'])
      fs.rmSync(f(name), { force: true });
    const pass = ['-storepass', storePassword, '-keypass', storePassword];
    keytool(dir, [
      '-genkeypair',
      '-alias',
      'kdr-ca',
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-dname',
      'CN=kafka-dr local stack CA',
      '-ext',
      'bc:c',
      '-validity',
      '3650',
      '-keystore',
      'ca.p12',
      '-storetype',
      'PKCS12',
      ...pass,
    ]);
    keytool(dir, [
      '-exportcert',
      '-rfc',
      '-alias',
      'kdr-ca',
      '-keystore',
      'ca.p12',
      '-storepass',
      storePassword,
      '-file',
      'ca.pem',
    ]);
    keytool(dir, [
      '-genkeypair',
      '-alias',
      'broker',
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-dname',
      'CN=localhost',
      '-validity',
      '3650',
      '-keystore',
      'broker.p12',
      '-storetype',
      'PKCS12',
      ...pass,
    ]);
    keytool(dir, [
      '-certreq',
      '-alias',
      'broker',
      '-keystore',
      'broker.p12',
      '-storepass',
      storePassword,
      '-file',
      'broker.csr',
    ]);
    keytool(dir, [
      '-gencert',
      '-alias',
      'kdr-ca',
      '-keystore',
      'ca.p12',
      '-storepass',
      storePassword,
      '-infile',
      'broker.csr',
      '-outfile',
      'broker.crt',
      '-rfc',
      '-validity',
      '3650',
      '-ext',
      `san=${sans}`,
      '-ext',
      'ku=digitalSignature,keyEncipherment',
      '-ext',
      'eku=serverAuth',
    ]);
    keytool(dir, [
      '-importcert',
      '-noprompt',
      '-alias',
      'kdr-ca',
      '-file',
      'ca.pem',
      '-keystore',
      'broker.p12',
      '-storepass',
      storePassword,
    ]);
    keytool(dir, [
      '-importcert',
      '-alias',
      'broker',
      '-file',
      'broker.crt',
      '-keystore',
      'broker.p12',
      '-storepass',
      storePassword,
    ]);
    fs.writeFileSync(done, sans);
  }
  return { dir, caFile: f('ca.pem'), keyStore: f('broker.p12'), storePassword, username: STACK_SASL_USER, password };
}

/** Where the stack's CA certificate is (made at stack:up). */
export function stackCaFile(): string {
  return path.join(dirOf(), 'ca.pem');
}

/** The stack's SCRAM credentials under the variable names a pair's `security` refers to; empty before stack:up. */
export function stackSaslEnv(): Record<string, string> {
  const dir = dirOf();
  const file = path.join(dir, 'sasl.pass');
  if (!fs.existsSync(file)) return {};
  return {
    [STACK_SASL_ENV.username]: STACK_SASL_USER,
    [STACK_SASL_ENV.password]: fs.readFileSync(file, 'utf8').trim(),
  };
}
