// A pair for the automatic-failover tests (issue 26). Its primary is a broker of the test's own whose PLAINTEXT
// listener, the pair's bootstrap (what the watch and the worker's probe use), is advertised through a TCP proxy the
// test can cut: the worker then loses the primary while the broker runs on, and applications and a remote probe still
// reach it on its DR listener (the custom domain's address). The policy lives in a pairs file the worker reads, as in
// production: only the pairs file can turn automatic failover on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PairConfigInput } from '../../src/config';
import { createCloudClients } from '../../src/cloud';
import { openAdmin, type AdminSession } from '../../src/kafka/admin';
import { createKafka } from '../../src/kafka/clients';
import { KafkaConnectProvider } from '../../src/connectors/kafka-connect';
import { local, stackDir } from '../local-stack';
import { startDetached, stopService } from '../process';
import { drListener, kafkaBrokerService, waitReady } from '../services';
import { kafkaPair, removeMirror, testEnv, uniqueName } from './kdr';
import { freePort, type OwnBroker } from './own-primary';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export interface ProxiedPrimary extends OwnBroker {
  /** The worker's path to the broker (the pair's bootstrapServers): cut it and the worker sees the primary down. */
  proxy: TcpProxy;
  /** The broker's DR listener, where applications (through the domain) and a remote probe reach it. */
  drBootstrap: string;
}

/** Own primary broker (DR listener on `drIp`, one loopback address per test) behind a cuttable proxy. */
export async function startProxiedPrimary(name: string, drIp: string, env: NodeJS.ProcessEnv): Promise<ProxiedPrimary> {
  const port = await freePort();
  const proxy = await startTcpProxy({ host: '127.0.0.1', port });
  const brokerName = `kafka-${name}`;
  const broker = kafkaBrokerService({
    name: brokerName,
    role: 'own primary',
    port,
    controllerPort: await freePort(),
    drIp,
    advertisedPort: proxy.port,
  });
  broker.prepare?.();
  const launch = async () => {
    startDetached(broker.name, broker.launch());
    await waitReady(broker);
  };
  await launch();
  const hostRr = `${name}-primary-host`;
  await createCloudClients(env).alidns().addDomainRecord('kdr.test', { rr: hostRr, type: 'A', value: drIp, ttl: 60 });
  return {
    bootstrap: `${proxy.host}:${proxy.port}`,
    endpointHost: `${hostRr}.kdr.test`,
    drBootstrap: `${drIp}:${drListener.port}`,
    proxy,
    kill: async () => {
      await stopService(brokerName, 0);
    },
    stop: async (graceMs = 15_000) => {
      await stopService(brokerName, graceMs);
    },
    restart: async () => {
      await proxy.restore();
      await launch();
    },
    remove: async () => {
      await stopService(brokerName, 0).catch(() => undefined);
      await proxy.close();
      fs.rmSync(path.join(stackDir, brokerName), { recursive: true, force: true });
    },
  };
}

export interface AutoPairOptions {
  /** The DR listener's loopback address (127.0.0.40–.47 belong to the auto-failover tests). */
  drIp: string;
  /** The pair's `autoFailover` section as written in the pairs file. */
  autoFailover: Record<string, unknown>;
  /** The watch interval (short, so `after` spans several checks). */
  interval?: string;
  /** The webhook receiving the pair's notifications (alerts, pages, the run's events). */
  webhookUrl: string;
  /** Listed approvers (they may veto or approve early). */
  approvers?: string[];
  /** Anything else of the pair's config. */
  overrides?: Partial<PairConfigInput>;
}

export interface AutoPair {
  name: string;
  topic: string;
  /** The custom domain applications bootstrap from. */
  domain: string;
  pairsFile: string;
  /** The worker's environment: the stack's, the pairs file, the webhook URL. */
  env: NodeJS.ProcessEnv;
  config: PairConfigInput;
  primary: ProxiedPrimary;
  secondary: AdminSession;
  /** Stops MirrorMaker 2 for this pair: what the primary writes from now on never leaves it. */
  pauseReplication(): Promise<void>;
  remove(): Promise<void>;
}

export async function startAutoPair(prefix: string, o: AutoPairOptions): Promise<AutoPair> {
  const name = uniqueName(prefix);
  const hookEnv = `KDR_SECRET_${name.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_HOOK`;
  const pairsFile = path.join(os.tmpdir(), `${name}-pairs.json`);
  const env = testEnv({ KDR_PAIRS_FILE: pairsFile, [hookEnv]: o.webhookUrl });
  const primary = await startProxiedPrimary(name, o.drIp, env);
  const topic = `${name}-orders`;
  const config = kafkaPair(name, [topic], {
    watch: { interval: o.interval ?? '2s', canaryEvery: '10m' },
    notify: [{ type: 'webhook', urlEnv: hookEnv }],
    approval: { required: 1, allowList: o.approvers ?? ['bob', 'carol'] },
    autoFailover: o.autoFailover,
    ...o.overrides,
  } as Partial<PairConfigInput>);
  config.primary = { provider: 'kafka', bootstrapServers: [primary.bootstrap], endpointHost: primary.endpointHost };
  fs.writeFileSync(pairsFile, JSON.stringify({ pairs: [config] }, null, 2));
  const admin = await openAdmin(createKafka({ bootstrapServers: [primary.bootstrap] }));
  await admin.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.close();
  const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }));
  const connect = new KafkaConnectProvider({ url: local.connectUrl });
  const spec = { pair: name, primary: { bootstrapServers: [] }, secondary: { bootstrapServers: [] }, topics: [] };
  return {
    name,
    topic,
    domain: `${name}.kdr.test`,
    pairsFile,
    env,
    config,
    primary,
    secondary,
    pauseReplication: () => connect.pause(spec),
    remove: async () => {
      await removeMirror(name).catch(() => undefined);
      await secondary.admin.deleteTopics({ topics: [topic, `${name}-canary`] }).catch(() => undefined);
      await secondary.close().catch(() => undefined);
      await primary.remove();
      fs.rmSync(pairsFile, { force: true });
    },
  };
}
