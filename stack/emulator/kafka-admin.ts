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

  /**
   * Whether the instance's cluster answers a metadata request within `timeoutMs`: what GetInstanceList's status
   * reports (stack/emulator/alikafka.ts). A failed or slow answer drops the client, so a cluster that comes back is
   * seen at the next call.
   */
  async answers(instance: EmulatedInstance, timeoutMs = 2_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const answered = this.with(instance, (admin) => admin.describeCluster()).then(
      () => true,
      () => false,
    );
    try {
      const ok = await Promise.race([answered, late]);
      if (!ok) this.drop(instance);
      return ok;
    } finally {
      clearTimeout(timer);
    }
  }

  private drop(instance: EmulatedInstance): void {
    const p = this.admins.get(instance.instanceId);
    if (!p) return;
    this.admins.delete(instance.instanceId);
    void p.then((a) => a.disconnect()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.admins.values()];
    this.admins.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.disconnect().catch(() => undefined)));
  }
}
