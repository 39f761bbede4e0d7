// One kafkajs admin client per emulated instance, connected lazily and rebuilt after a failure.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { EmulatedInstance } from './instances';

export class KafkaAdmins {
  private readonly admins = new Map<string, Promise<Admin>>();

  admin(instance: EmulatedInstance): Promise<Admin> {
    let p = this.admins.get(instance.instanceId);
    if (!p) {
      const kafka = new Kafka({
        clientId: `kdr-emulator-${instance.instanceId}`,
        brokers: [instance.bootstrap],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 3000,
        requestTimeout: 10_000,
        retry: { retries: 2, initialRetryTime: 100 },
      });
      const admin = kafka.admin();
      p = admin.connect().then(() => admin);
      p.catch(() => this.admins.delete(instance.instanceId));
      this.admins.set(instance.instanceId, p);
    }
    return p;
  }

  /** Run `fn`; on a connection-level failure drop the client so the next call reconnects. */
  async with<T>(instance: EmulatedInstance, fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = await this.admin(instance);
    try {
      return await fn(admin);
    } catch (err) {
      const name = (err as Error).name ?? '';
      // kafkajs keeps refreshing metadata of every topic it has seen: once one is deleted, every later call fails
      // with UNKNOWN_TOPIC_OR_PARTITION. A fresh client forgets it.
      const forgotten = (err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION';
      if (/Connection|Network|Timeout|NotImplemented/.test(name) || forgotten) {
        this.admins.delete(instance.instanceId);
        await admin.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    const all = [...this.admins.values()];
    this.admins.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.disconnect().catch(() => undefined)));
  }
}
