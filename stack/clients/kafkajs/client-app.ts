// One application of the client matrix on kafkajs: a producer writing numbered records and a consumer group
// member reading them, both bootstrapping from the pair's custom domain with kafkajs' default settings (name
// resolution through the system resolver, as any application). It prints what the harness counts: "acked N"
// when the cluster acknowledged record N, "processed N" when the consumer handed N to the application.
// Usage: tsx client-app.ts <bootstrap> <topic> <group> <records/s> <first record number>
import { Kafka } from 'kafkajs';

const [bootstrap, topic, group, rate, first] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);
const kafka = new Kafka({ clientId: group, brokers: [bootstrap] });
let stop = false;

async function main(): Promise<void> {
  const consumer = kafka.consumer({ groupId: group });
  const producer = kafka.producer();
  process.on('SIGTERM', () => {
    stop = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out(`processed ${message.value?.toString() ?? ''}`);
    },
  });
  await producer.connect();
  for (let n = Number(first); !stop; n++) {
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: `k${n % 17}`, value: String(n) }] });
      out(`acked ${n}`);
    } catch (err) {
      out(`log send ${n} failed: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 1000 / Number(rate)));
  }
  // Commits what was processed, as a stopped application does.
  await Promise.all([consumer.disconnect(), producer.disconnect()]).catch(() => undefined);
}

main().catch((err: Error) => {
  out(`log stopped: ${err.message}`);
  process.exit(1);
});
