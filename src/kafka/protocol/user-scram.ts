// SCRAM credentials through the Admin protocol (KIP-554: DescribeUserScramCredentials, key 50, and
// AlterUserScramCredentials, key 51, both flexible from v0, Kafka >= 2.7). kafkajs 2.2.4 has neither, and
// kafka-configs.sh (a JVM per call) has no place in the product. Passwords go in, never out: the broker returns
// only names, mechanisms and iteration counts. https://cwiki.apache.org/confluence/display/KAFKA/KIP-554
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { InternalBroker, ProtocolHandle } from './cluster';
import { KafkaErrorCode, sendFlexible, supports } from './flexible';
import { Writer } from './wire';

const API_DESCRIBE = 50;
const API_ALTER = 51;

/** The mechanism numbers of KIP-554 (ScramMechanism). */
export const SCRAM_MECHANISMS: Record<string, { id: number; hash: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { id: 1, hash: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { id: 2, hash: 'sha512', bytes: 64 },
};
const MECHANISM_NAMES: Record<number, string> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' };

/** Kafka's minimum for SCRAM-SHA-256/512 is 4096; 8192 as the local stack's users. */
export const SCRAM_ITERATIONS = 8192;

export const SCRAM_ERRORS: Record<number, string> = {
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION',
  42: 'INVALID_REQUEST',
  91: 'RESOURCE_NOT_FOUND',
  93: 'UNSUPPORTED_SASL_MECHANISM',
  94: 'DUPLICATE_RESOURCE',
  96: 'UNACCEPTABLE_CREDENTIAL',
};

async function brokerFor(handle: ProtocolHandle, apiKey: number): Promise<InternalBroker> {
  // The controller is found from cluster metadata, which a fresh connection has not loaded yet.
  await handle.cluster.refreshMetadataIfNecessary();
  const broker: InternalBroker = await handle.cluster.findControllerBroker();
  if (!supports(broker, apiKey, 0)) {
    throw new KafkaErrorCode(
      35,
      'UNSUPPORTED_VERSION',
      `the cluster does not support ${apiKey === API_DESCRIBE ? 'DescribeUserScramCredentials' : 'AlterUserScramCredentials'} (KIP-554): Kafka 2.7 or newer is needed`,
    );
  }
  return broker;
}

function failure(code: number, message: string | null, what: string): KafkaErrorCode {
  const type = SCRAM_ERRORS[code] ?? `KAFKA_ERROR_${code}`;
  return new KafkaErrorCode(code, type, `${what}: ${type}${message ? ` (${message})` : ''}`);
}

/** Every SCRAM credential of the cluster: one entry per user and mechanism. */
export async function describeScramUsers(handle: ProtocolHandle): Promise<{ name: string; mechanism: string }[]> {
  const broker = await brokerFor(handle, API_DESCRIBE);
  // A null Users array asks for every user.
  const body = new Writer().uvarint(0).tags();
  const answer = await sendFlexible(broker, API_DESCRIBE, 0, 'DescribeUserScramCredentials', body, (r) => {
    r.int32(); // throttle
    const errorCode = r.int16();
    const errorMessage = r.compactNullableString();
    const results = r.compactArray(() => {
      const user = r.compactString();
      const code = r.int16();
      const message = r.compactNullableString();
      const credentials = r.compactArray(() => {
        const mechanism = r.int8();
        r.int32(); // iterations
        r.tags();
        return mechanism;
      });
      r.tags();
      return { user, code, message, credentials };
    });
    r.tags();
    return { errorCode, errorMessage, results };
  });
  if (answer.errorCode !== 0) throw failure(answer.errorCode, answer.errorMessage, 'listing SCRAM users');
  const out: { name: string; mechanism: string }[] = [];
  for (const r of answer.results) {
    if (r.code !== 0) throw failure(r.code, r.message, `listing SCRAM user ${r.user}`);
    for (const m of r.credentials) out.push({ name: r.user, mechanism: MECHANISM_NAMES[m] ?? `SCRAM-${m}` });
  }
  return out.sort((a, b) => (a.name + a.mechanism < b.name + b.mechanism ? -1 : 1));
}

/**
 * Creates or replaces one user's credential for one mechanism. The salted password is computed here (RFC 5802:
 * SaltedPassword = PBKDF2-HMAC(password, salt, iterations)), so the password itself never leaves the process.
 */
export async function upsertScramUser(
  handle: ProtocolHandle,
  user: string,
  mechanism: string,
  password: string,
): Promise<void> {
  const m = SCRAM_MECHANISMS[mechanism.toUpperCase()];
  if (!m) {
    throw new KafkaErrorCode(
      93,
      'UNSUPPORTED_SASL_MECHANISM',
      `mechanism ${mechanism}: use SCRAM-SHA-256 or SCRAM-SHA-512`,
    );
  }
  const salt = randomBytes(32);
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, SCRAM_ITERATIONS, m.bytes, m.hash);
  const broker = await brokerFor(handle, API_ALTER);
  const body = new Writer()
    .compactArray([], () => undefined) // deletions
    .compactArray([user], (w, name) =>
      w.compactString(name).int8(m.id).int32(SCRAM_ITERATIONS).compactBytes(salt).compactBytes(salted).tags(),
    )
    .tags();
  const results = await sendFlexible(broker, API_ALTER, 0, 'AlterUserScramCredentials', body, (r) => {
    r.int32(); // throttle
    const list = r.compactArray(() => {
      const name = r.compactString();
      const code = r.int16();
      const message = r.compactNullableString();
      r.tags();
      return { name, code, message };
    });
    r.tags();
    return list;
  });
  const mine = results.find((x) => x.name === user);
  if (!mine) throw failure(42, 'no result for the user', `creating SCRAM user ${user}`);
  if (mine.code !== 0) throw failure(mine.code, mine.message, `creating SCRAM user ${user}`);
}

/** Removes one user's credential for one mechanism (RESOURCE_NOT_FOUND when it has none). */
export async function deleteScramUser(handle: ProtocolHandle, user: string, mechanism: string): Promise<void> {
  const m = SCRAM_MECHANISMS[mechanism.toUpperCase()];
  if (!m)
    throw new KafkaErrorCode(
      93,
      'UNSUPPORTED_SASL_MECHANISM',
      `mechanism ${mechanism}: use SCRAM-SHA-256 or SCRAM-SHA-512`,
    );
  const broker = await brokerFor(handle, API_ALTER);
  const body = new Writer()
    .compactArray([user], (w, name) => w.compactString(name).int8(m.id).tags())
    .compactArray([], () => undefined)
    .tags();
  const results = await sendFlexible(broker, API_ALTER, 0, 'AlterUserScramCredentials', body, (r) => {
    r.int32();
    const list = r.compactArray(() => {
      const name = r.compactString();
      const code = r.int16();
      const message = r.compactNullableString();
      r.tags();
      return { name, code, message };
    });
    r.tags();
    return list;
  });
  const mine = results.find((x) => x.name === user);
  if (mine && mine.code !== 0) throw failure(mine.code, mine.message, `deleting SCRAM user ${user}`);
}
