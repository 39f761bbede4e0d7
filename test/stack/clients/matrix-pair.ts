// What every scenario of the client matrix starts from: the clients installed, a pair whose primary is a broker of
// the run's own (killed or restarted at will; the shared brokers stay up), one topic and one group per row, the
// system-resolver forwarder the applications resolve the domain through, and a way to start a row's application.
import type { PairConfigInput } from '../../../src/config';
import { openAdmin, type AdminSession } from '../../../src/kafka/admin';
import { createKafka } from '../../../src/kafka/clients';
import type { ClientRow } from '../../../src/clients/guidance';
import { AppProcess } from '../../../stack/clients/app-process';
import { ensureClient } from '../../../stack/clients/install';
import { startSystemDns, type SystemDns } from '../../../stack/clients/system-dns';
import { local } from '../../../stack/local-stack';
import { kafkaPair, removeMirror, testEnv, uniqueName } from '../../../stack/harness/kdr';
import { startOwnPrimary, type OwnPrimary } from '../../../stack/harness/own-primary';

export const RATE = 20;

export interface MatrixPair {
  env: NodeJS.ProcessEnv;
  name: string;
  domain: string;
  own: OwnPrimary;
  config: PairConfigInput;
  /** Per row: its topic and its application's group. */
  topics: string[];
  groups: string[];
  /** Open on the run's own primary (closed by the cleanups; close it before killing the primary). */
  primary: AdminSession;
  secondary: AdminSession;
  dns: SystemDns;
  /** Every application started, for the counts and the cleanup. */
  apps: AppProcess[];
  /** Starts row i's application through the pair's domain, its records numbered from `first`. */
  start(i: number, first: number): AppProcess;
}

/**
 * Sets the pair up (topics with 2 partitions on the primary) and registers in `cleanups` what undoes it, the
 * applications' stop first (cleanups run in reverse).
 */
export async function matrixPair(
  prefix: string,
  rows: readonly ClientRow[],
  cleanups: (() => Promise<unknown>)[],
  opts: { drIp: string; dnsIp: string; log: (s: string) => void },
): Promise<MatrixPair> {
  const env = testEnv();
  const name = uniqueName(prefix);
  const argvs = rows.map((r) => ensureClient(r.kind, r.version, opts.log));
  const own = await startOwnPrimary(name, opts.drIp, env);
  cleanups.push(() => own.remove());
  const topics = rows.map((r) => `${name}-${r.id}`);
  const groups = rows.map((r) => `${name}-${r.id}-app`);
  const config = kafkaPair(name, topics);
  config.primary = { provider: 'kafka', bootstrapServers: [own.bootstrap], endpointHost: own.endpointHost };
  const domain = `${name}.kdr.test`;
  const primary = await openAdmin(createKafka({ bootstrapServers: [own.bootstrap] }));
  cleanups.push(() => primary.close());
  await primary.admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: 2 })),
  });
  const secondary = await openAdmin(createKafka({ bootstrapServers: [local.secondaryBootstrap] }));
  cleanups.push(
    () => secondary.close(),
    () => secondary.admin.deleteTopics({ topics: [...topics, `${name}-canary`] }),
    () => removeMirror(name),
  );
  const dns = await startSystemDns(opts.dnsIp);
  cleanups.push(() => dns.close());
  const apps: AppProcess[] = [];
  cleanups.push(() => Promise.all(apps.map((a) => a.stop())));
  const start = (i: number, first: number) => {
    const app = new AppProcess(
      rows[i].id,
      dns.wrap([
        ...argvs[i],
        `${domain}:39092`,
        topics[i],
        groups[i],
        String(RATE),
        String(first),
        ...rows[i].settings,
      ]),
    );
    apps.push(app);
    return app;
  };
  return { env, name, domain, own, config, topics, groups, primary, secondary, dns, apps, start };
}

/** A row's records, from its applications' own output: what was acknowledged, how often each record was processed. */
export function countRecords(apps: readonly AppProcess[]): {
  acked: Set<number>;
  times: Map<number, number>;
  duplicates: number;
} {
  const acked = new Set(apps.flatMap((a) => [...a.acked.keys()]));
  const times = new Map<number, number>();
  for (const a of apps) for (const p of a.processed) times.set(p.value, (times.get(p.value) ?? 0) + 1);
  return { acked, times, duplicates: [...times.values()].reduce((n, t) => n + t - 1, 0) };
}
