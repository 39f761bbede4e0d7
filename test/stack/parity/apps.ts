// Applications with their own SASL users and ACLs, reaching the pair through the custom domain on the brokers'
// SASL_SSL listeners (SCRAM-SHA-512 over TLS, the stack's CA), as production clients of an ACL-enabled cluster do:
// a producer user allowed to write the topic, a consumer user allowed to read it with its group.
import * as fs from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import type { AdminSession } from '../../../src/kafka/admin';
import { dnsSocketFactory } from '../../../src/kafka/clients';
import { deleteScramUser, upsertScramUser } from '../../../src/kafka/protocol/user-scram';
import { local, ports } from '../../../stack/local-stack';
import { stackCaFile } from '../../../stack/tls';

export interface App {
  user: string;
  /** The worker's variable holding the password (parity.users' passwordEnv). */
  passwordEnv: string;
  password: string;
}

export function app(pair: string, role: string): App {
  const user = `${pair}-${role}`;
  return {
    user,
    passwordEnv: `KDR_SECRET_${user.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`,
    password: `pw-${user}-${process.pid}`,
  };
}

/** A client of `domain` authenticating as the app's user, resolving through the local DNS server at each connect. */
export function saslViaDomain(domain: string, clientId: string, a: App): Kafka {
  return new Kafka({
    clientId,
    brokers: [`${domain}:${ports.drSaslSsl}`],
    logLevel: logLevel.NOTHING,
    ssl: { ca: [fs.readFileSync(stackCaFile(), 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: a.user, password: a.password },
    socketFactory: dnsSocketFactory(local.dnsServer),
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

/** Whether the cluster enforces ACLs (an authorizer answers describeAcls). */
export async function aclsEnforced(s: AdminSession): Promise<boolean> {
  return s.admin
    .describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    })
    .then(
      () => true,
      () => false,
    );
}

const allow = (
  principal: string,
  resourceType: AclResourceTypes,
  resourceName: string,
  operation: AclOperationTypes,
) => ({
  resourceType,
  resourceName,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: `User:${principal}`,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

/** The producer's and the consumer's users and ACLs on one cluster (the primary: what the applications have today). */
export async function grantApps(
  s: AdminSession,
  topic: string,
  producer: App,
  consumer: App,
  group: string,
  acls: boolean,
): Promise<void> {
  await upsertScramUser(s.protocol, producer.user, 'SCRAM-SHA-512', producer.password);
  await upsertScramUser(s.protocol, consumer.user, 'SCRAM-SHA-512', consumer.password);
  if (!acls) return;
  await s.admin.createAcls({
    acl: [
      allow(producer.user, AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE),
      allow(consumer.user, AclResourceTypes.TOPIC, topic, AclOperationTypes.READ),
      allow(consumer.user, AclResourceTypes.GROUP, group, AclOperationTypes.READ),
    ],
  });
}

/** Removes the apps' users and every ACL naming them (idempotent). */
export async function revokeApps(s: AdminSession, apps: App[]): Promise<void> {
  for (const a of apps) {
    await deleteScramUser(s.protocol, a.user, 'SCRAM-SHA-512').catch(() => undefined);
    await s.admin
      .deleteAcls({
        filters: [
          {
            resourceType: AclResourceTypes.ANY,
            resourcePatternType: ResourcePatternTypes.ANY,
            principal: `User:${a.user}`,
            operation: AclOperationTypes.ANY,
            permissionType: AclPermissionTypes.ANY,
          },
        ],
      })
      .catch(() => undefined);
  }
}

/** The error a client gets when it cannot produce through the domain now (undefined when it can). */
export async function refusal(domain: string, a: App, topic: string): Promise<string | undefined> {
  const producer = saslViaDomain(domain, `${a.user}-probe`, a).producer({
    allowAutoTopicCreation: false,
    retry: { retries: 1 },
  });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'probe', value: 'probe' }] });
    return undefined;
  } catch (err) {
    return `${(err as { type?: string }).type ?? ''} ${(err as Error).message}`.trim();
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}
