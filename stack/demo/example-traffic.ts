// `npm run traffic -- <pair> [--rate N]`: something to fail over, for the operator guide's walkthrough on the local
// stack. Creates the pair's topics on the primary when missing (3 partitions), then — once drSetup has put the
// custom domain in place — runs a producer and two consumer groups through it until Ctrl-C, printing what each
// group processed. kafkajs clients do not follow a CNAME change on their own: after a failover, stop this and
// start it again (it bootstraps from the domain, so it then talks to the secondary).
import { promises as dns } from 'node:dns';
import { customDomain, type PairConfig } from '../../src/config';
import { createKafka } from '../../src/kafka/clients';
import { pairsFileLocation, readPairs } from '../../app/cli/pairs';
import { temporalTarget } from '../../app/temporal-connection';
import { ledgers, TrafficConsumers, TrafficProducer, type GroupSpec, type TrafficTarget } from './traffic';

export class TrafficSetupError extends Error {
  override name = 'TrafficSetupError';
}

/** The topic names a pair selects: its list, or the literal names of a pattern like `orders|payments`. */
export function exampleTopics(pair: PairConfig): string[] {
  const t = pair.replication.topics;
  if (Array.isArray(t)) return [...t];
  if (/^[A-Za-z0-9._-]+(\|[A-Za-z0-9._-]+)*$/.test(t.pattern)) return t.pattern.split('|');
  throw new TrafficSetupError(
    `pair ${pair.name}: replication.topics pattern "${t.pattern}" names no literal topic; ` +
      'create the topics yourself, or use a pattern like "orders|payments"',
  );
}

/** Two groups: one on the first topic, one on all of them (names from the pair's group list when it has one). */
export function exampleGroups(pair: PairConfig, topics: string[]): GroupSpec[] {
  const named = Array.isArray(pair.groups) ? pair.groups : [`${topics[0]}-billing`, `${pair.name}-audit`];
  return [{ group: named[0], topics: [topics[0]] }, ...(named[1] ? [{ group: named[1], topics }] : [])];
}

async function resolves(host: string, server: string | undefined): Promise<boolean> {
  const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
  if (server) resolver.setServers([server]);
  try {
    await resolver.resolveCname(host).catch(() => resolver.resolve4(host));
    return true;
  } catch {
    return false;
  }
}

async function main(argv: string[]): Promise<void> {
  const name = argv.find((a) => !a.startsWith('--'));
  const rateAt = argv.indexOf('--rate');
  const rate = rateAt >= 0 ? Number(argv[rateAt + 1]) : 20;
  if (!name || !Number.isFinite(rate) || rate <= 0)
    throw new TrafficSetupError('usage: npm run traffic -- <pair> [--rate <records per second, default 20>]');
  const pair = readPairs(pairsFileLocation(undefined, temporalTarget(process.env), process.env)).pairs.get(name);
  if (!pair) throw new TrafficSetupError(`no pair ${name} in the pairs file (kdr pairs lists them)`);
  const topics = exampleTopics(pair);

  const admin = createKafka({ bootstrapServers: pair.primary.bootstrapServers }, { clientId: 'kdr-traffic' }).admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length)
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: 3 })) });
  await admin.disconnect();
  console.log(`topics on the primary: ${topics.join(', ')}${missing.length ? ` (created ${missing.join(', ')})` : ''}`);

  const domain = customDomain(pair);
  const dnsServer = pair.dns.resolvers?.[0];
  if (!(await resolves(domain, dnsServer))) {
    console.log(`waiting for ${domain} to resolve: run \`kdr setup ${pair.name}\` (drSetup puts the CNAME in place) …`);
    while (!(await resolves(domain, dnsServer))) await new Promise((r) => setTimeout(r, 2000));
  }
  // Clients reach brokers on their DR listener (port 39092 on the local stack; KDR_CLIENT_PORT elsewhere).
  const target: TrafficTarget = {
    bootstrap: `${domain}:${process.env.KDR_CLIENT_PORT ?? 39092}`,
    ...(dnsServer ? { dnsServer } : {}),
  };
  const groups = exampleGroups(pair, topics);
  const producer = new TrafficProducer(target, topics, rate);
  const ledger = ledgers(groups);
  const consumers = new TrafficConsumers(target, ledger, 'primary');
  await producer.start();
  await consumers.start();
  console.log(
    `traffic through ${target.bootstrap}: ${rate} records/s on ${topics.join(', ')}; groups ${groups.map((g) => g.group).join(', ')}. Ctrl-C stops.`,
  );
  const tick = setInterval(() => {
    console.log(
      `produced ${producer.total}; processed ${ledger.map((l) => `${l.group} ${l.primary.size}`).join(', ')}` +
        (producer.lastError ? ` (last send error: ${producer.lastError})` : ''),
    );
  }, 5000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(tick);
  await consumers.stop();
  await producer.stop();
  console.log(`stopped: produced ${producer.total}; the groups committed what they processed`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(`${err.name}: ${err.message}`);
    process.exit(err instanceof TrafficSetupError ? 2 : 1);
  });
}
