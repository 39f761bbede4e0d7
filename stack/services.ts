// The services of the local stack: how each is prepared, launched and judged ready.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { drAddress, host, local, ports, repoRoot, stackDir } from './local-stack';
import { paths } from './install';
import { Launch, logFile, portOpen, sleep } from './process';
import { ensureStackTls, stackSaslEnv, STACK_SASL_USER } from './tls';

export interface Service {
  name: string;
  /** What `stack:status` prints next to the name. */
  address: string;
  ports: number[];
  dependsOn: string[];
  /** Writes config files, formats storage: idempotent. */
  prepare?: () => void;
  launch: () => Launch;
  /** Resolves when the service answers like a client expects; rejects with the reason otherwise. */
  ready: () => Promise<void>;
  readyTimeoutMs: number;
  /** Optional services are skipped when their code is not there. */
  enabled?: () => boolean;
  /** Runs once the service answers, whether just started or already running: idempotent. */
  afterReady?: () => Promise<void>;
}

/**
 * The Kafka "DR" listeners share one port on two loopback addresses, so a CNAME switch needs no port change.
 * Next to each, on the same address, a SASL_SSL listener (SCRAM-SHA-512 over TLS), as ApsaraMQ's public endpoints.
 */
export const drListener = {
  port: Number(process.env.KDR_DR_PORT ?? 39092),
  get saslSslPort() {
    return ports.drSaslSsl;
  },
  primaryIp: drAddress.primary,
  secondaryIp: drAddress.secondary,
};

const jvmOpts = (heap: string) => [`-Xms128m`, `-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true'];
const classpath = () => `${paths.kafkaLibs}/*`;

function writeIfChanged(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.writeFileSync(file, text);
}

function log4jConfig(): string {
  const file = path.join(stackDir, 'kafka', 'log4j.properties');
  writeIfChanged(
    file,
    [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.org.apache.kafka.clients=WARN',
      'log4j.logger.kafka.request.logger=WARN',
      'log4j.logger.org.reflections=ERROR',
      '',
    ].join('\n'),
  );
  return file;
}

function kafkaBroker(role: 'primary' | 'secondary'): Service {
  return kafkaBrokerService({
    name: `kafka-${role}`,
    role,
    port: role === 'primary' ? ports.primary : ports.secondary,
    controllerPort: role === 'primary' ? ports.primaryController : ports.secondaryController,
    drIp: role === 'primary' ? drListener.primaryIp : drListener.secondaryIp,
    saslSsl: true,
  });
}

/** See saslSslSettings: the authorizer, with the unauthenticated listeners and the stack's own user as super users. */
function authorizerSettings(): string[] {
  return [
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:ANONYMOUS;User:${STACK_SASL_USER}`,
  ];
}

/**
 * Listener settings of the SASL_SSL listener ("SECURE"); the key store is the stack's own (stack/tls.ts).
 * ACLs are enforced, as on an ApsaraMQ instance with ACL on: KRaft's StandardAuthorizer refuses a SASL user any
 * operation no ACL allows. The PLAINTEXT, DR and controller listeners authenticate nobody (principal
 * User:ANONYMOUS) and the stack's own SCRAM user administers: both are super users, so every client that worked
 * without an authorizer still does. https://kafka.apache.org/39/documentation/#security_authz
 */
function saslSslSettings(): string[] {
  const tls = ensureStackTls();
  const l = 'listener.name.secure';
  return [
    // SCRAM-SHA-256 too: ApsaraMQ's "scram" users on reserved instances are SCRAM-SHA-256 (CreateSaslUser).
    `${l}.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512`,
    `${l}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${l}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `${l}.ssl.keystore.type=PKCS12`,
    `${l}.ssl.keystore.location=${tls.keyStore}`,
    `${l}.ssl.keystore.password=${tls.storePassword}`,
    `${l}.ssl.key.password=${tls.storePassword}`,
  ];
}

/**
 * Declares the stack's SCRAM user on a broker (KRaft keeps SCRAM credentials in the cluster metadata, so it is
 * done through the running broker). A marker in the data directory makes it once per user and password.
 */
async function ensureScramUser(dataDir: string, bootstrap: string): Promise<void> {
  const tls = ensureStackTls();
  const marker = path.join(
    dataDir,
    `.kdr-scram-${createHash('sha256').update(`${tls.username}:${tls.password}`).digest('hex').slice(0, 16)}`,
  );
  if (fs.existsSync(marker)) return;
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(
    'java',
    [
      '-cp',
      classpath(),
      `-Dlog4j.configuration=file:${log4jConfig()}`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      bootstrap,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      STACK_SASL_USER,
      '--add-config',
      `SCRAM-SHA-512=[iterations=8192,password=${tls.password}]`,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new Error(`declaring the SCRAM user ${STACK_SASL_USER} on ${bootstrap} failed:\n${r.stdout}${r.stderr}`);
  fs.writeFileSync(marker, '');
}

/**
 * A single-node KRaft broker with a PLAINTEXT listener on 127.0.0.1 and a DR listener on its own loopback
 * address. The stack runs two; the outage test starts a throwaway one it can kill for real.
 */
export function kafkaBrokerService(o: {
  name: string;
  role: string;
  port: number;
  controllerPort: number;
  drIp: string;
  saslSsl?: boolean;
  /** Clients are told to reach the PLAINTEXT listener on this port (a TCP proxy a test can cut); default `port`. */
  advertisedPort?: number;
}): Service {
  const dir = path.join(stackDir, o.name);
  const props = path.join(dir, 'server.properties');
  const dataDir = path.join(dir, 'data');
  const { port, drIp, role } = o;
  const controller = o.controllerPort;
  const secure = o.saslSsl ? `SECURE://${drIp}:${drListener.saslSslPort},` : '';
  return {
    name: o.name,
    address: `${host}:${port} (DR listener ${drIp}:${drListener.port}${o.saslSsl ? `, SASL_SSL ${drIp}:${drListener.saslSslPort}` : ''})`,
    ports: [port, controller],
    dependsOn: [],
    prepare() {
      writeIfChanged(
        props,
        [
          `# kafka-dr local stack: Kafka "${role}", single node in KRaft mode`,
          'process.roles=broker,controller',
          'node.id=1',
          `controller.quorum.voters=1@${host}:${controller}`,
          `listeners=PLAINTEXT://${host}:${port},DR://${drIp}:${drListener.port},${secure}CONTROLLER://${host}:${controller}`,
          `advertised.listeners=PLAINTEXT://${host}:${o.advertisedPort ?? port},DR://${drIp}:${drListener.port}${secure ? `,${secure.slice(0, -1)}` : ''}`,
          `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,DR:PLAINTEXT,CONTROLLER:PLAINTEXT${o.saslSsl ? ',SECURE:SASL_SSL' : ''}`,
          'inter.broker.listener.name=PLAINTEXT',
          'controller.listener.names=CONTROLLER',
          `log.dirs=${dataDir}`,
          'num.partitions=3',
          // Like ApsaraMQ, topics are created on purpose, never by a typo in a client.
          'auto.create.topics.enable=false',
          'offsets.topic.replication.factor=1',
          'offsets.topic.num.partitions=10',
          'transaction.state.log.replication.factor=1',
          'transaction.state.log.min.isr=1',
          'group.initial.rebalance.delay.ms=0',
          'log.retention.hours=168',
          // Every broker of the stack, the throwaway ones included, runs the same authorizer, so the ACL switch
          // is equal on both sides of any pair (parity compares it); with the open principals as super users.
          ...authorizerSettings(),
          ...(o.saslSsl ? saslSslSettings() : []),
          '',
        ].join('\n'),
      );
      if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
        // A base64url UUID may start with "-", which the storage tool's argument parser takes for an option.
        let clusterId = randomBytes(16).toString('base64url');
        while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
        const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
        const r = spawnSync(
          'java',
          [
            '-cp',
            classpath(),
            `-Dlog4j.configuration=file:${log4jConfig()}`,
            'kafka.tools.StorageTool',
            'format',
            '-t',
            clusterId,
            '-c',
            props,
          ],
          { encoding: 'utf8' },
        );
        if (r.status !== 0) throw new Error(`formatting the ${role} Kafka storage failed:\n${r.stdout}${r.stderr}`);
      }
    },
    launch: () => ({
      command: 'java',
      args: [
        ...jvmOpts('768m'),
        '-cp',
        classpath(),
        `-Dlog4j.configuration=file:${log4jConfig()}`,
        `-Dkdr.stack=${stackDir}`,
        'kafka.Kafka',
        props,
      ],
    }),
    async ready() {
      const kafka = new Kafka({
        clientId: 'kdr-stack',
        brokers: [`${host}:${port}`],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (!(await portOpen(drListener.port, drIp)))
        throw new Error(`DR listener ${drIp}:${drListener.port} not open yet`);
      if (o.saslSsl && !(await portOpen(drListener.saslSslPort, drIp))) {
        throw new Error(
          `SASL_SSL listener ${drIp}:${drListener.saslSslPort} not open yet (a broker started before the stack had one: stack:down, then stack:up)`,
        );
      }
    },
    afterReady: o.saslSsl ? () => ensureScramUser(dataDir, `${host}:${port}`) : undefined,
    readyTimeoutMs: 90_000,
  };
}

const temporal: Service = {
  name: 'temporal',
  address: `${local.temporalAddress} (Web UI ${local.temporalUiUrl})`,
  ports: [ports.temporal, ports.temporalUi],
  dependsOn: [],
  prepare() {
    fs.mkdirSync(path.join(stackDir, 'temporal'), { recursive: true });
  },
  launch: () => ({
    command: paths.temporalBin,
    args: [
      'server',
      'start-dev',
      '--ip',
      host,
      '--port',
      String(ports.temporal),
      '--ui-port',
      String(ports.temporalUi),
      // A SQLite file, so workflow runs survive a restart of the dev server.
      '--db-filename',
      path.join(stackDir, 'temporal', 'temporal.db'),
      '--search-attribute',
      'DrPair=Keyword',
      '--search-attribute',
      'DrPhase=Keyword',
      '--search-attribute',
      'DrHealth=Keyword',
      '--log-level',
      'warn',
    ],
  }),
  async ready() {
    if (!(await portOpen(ports.temporal))) throw new Error(`gRPC ${local.temporalAddress} not open yet`);
    const res = await fetch(local.temporalUiUrl, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`Web UI answered HTTP ${res.status}`);
  },
  readyTimeoutMs: 90_000,
};

const connect: Service = {
  name: 'kafka-connect',
  address: `${local.connectUrl} (MirrorMaker 2, next to the secondary)`,
  ports: [ports.connect],
  dependsOn: ['kafka-secondary'],
  prepare() {
    writeIfChanged(
      path.join(stackDir, 'kafka-connect', 'connect-distributed.properties'),
      [
        '# kafka-dr local stack: Kafka Connect (distributed, one worker) next to the secondary, running MirrorMaker 2',
        `bootstrap.servers=${local.secondaryBootstrap}`,
        'group.id=kdr-connect',
        'key.converter=org.apache.kafka.connect.converters.ByteArrayConverter',
        'value.converter=org.apache.kafka.connect.converters.ByteArrayConverter',
        'config.storage.topic=kdr-connect-configs',
        'offset.storage.topic=kdr-connect-offsets',
        'status.storage.topic=kdr-connect-status',
        'config.storage.replication.factor=1',
        'offset.storage.replication.factor=1',
        'status.storage.replication.factor=1',
        'offset.flush.interval.ms=5000',
        `listeners=http://${host}:${ports.connect}`,
        `rest.advertised.host.name=${host}`,
        `rest.advertised.port=${ports.connect}`,
        'connector.client.config.override.policy=All',
        // Connectors name their SASL secrets as ${env:NAME}; the worker resolves them from its own environment.
        'config.providers=env',
        'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
        '',
      ].join('\n'),
    );
    ensureStackTls();
  },
  launch: () => ({
    env: { ...process.env, ...stackSaslEnv() },
    command: 'java',
    args: [
      ...jvmOpts('768m'),
      '-cp',
      classpath(),
      `-Dlog4j.configuration=file:${log4jConfig()}`,
      `-Dkdr.stack=${stackDir}`,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      path.join(stackDir, 'kafka-connect', 'connect-distributed.properties'),
    ],
  }),
  async ready() {
    const res = await fetch(`${local.connectUrl}/connector-plugins`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`REST answered HTTP ${res.status}`);
    const plugins = (await res.json()) as Array<{ class: string }>;
    if (!plugins.some((p) => p.class.endsWith('MirrorSourceConnector'))) {
      throw new Error('MirrorSourceConnector is not among the connector plugins');
    }
  },
  readyTimeoutMs: 120_000,
};

const emulatorMain = path.join(repoRoot, 'stack', 'emulator', 'main.ts');
const emulator: Service = {
  name: 'alicloud-emulator',
  address: `${local.emulatorUrl} (POP RPC: alikafka, alidns, EventBridge) + DNS ${local.dnsServer} udp/tcp`,
  ports: [ports.emulator, ports.dns],
  dependsOn: ['kafka-primary', 'kafka-secondary', 'kafka-connect'],
  enabled: () => fs.existsSync(emulatorMain),
  launch: () => ({
    command: path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
    args: [emulatorMain, `--state-dir=${path.join(stackDir, 'emulator')}`],
    cwd: repoRoot,
  }),
  async ready() {
    const res = await fetch(`${local.emulatorUrl}/health`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`health answered HTTP ${res.status}`);
  },
  readyTimeoutMs: 60_000,
};

export const services: Service[] = [temporal, kafkaBroker('primary'), kafkaBroker('secondary'), connect, emulator];

export async function waitReady(service: Service): Promise<void> {
  const deadline = Date.now() + service.readyTimeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      await service.ready();
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${service.name} was not ready after ${service.readyTimeoutMs / 1000}s (${last}); see ${logFile(service.name)}`,
      );
    }
    await sleep(250);
  }
}
