// The plan store: a large offset plan (10,000 groups x 8 partitions is ~5 MB of JSON) does not travel as one
// Temporal payload (2 MB per payload, 4 MB per gRPC message). planOffsets writes it here, on the SECONDARY (the
// cluster that takes over, and that outlives the primary's region), as pages of whole groups, each page one
// gzip-compressed record keyed by the plan's content hash and the page number; it returns the first page with a
// reference to the rest. Whoever reads a page checks it against the SHA-256 in the reference, so a page read
// back is the page written. Compacted: keys are content hashes, so a plan written twice is kept once.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AdminSession } from '../kafka/admin';
import { fetchFrom } from '../kafka/protocol';
import { KdrError } from '../errors';

export const PLANS_TOPIC = '__kdr_plans';
/** Raw JSON bytes per page: far below a record's 1 MB once compressed, and a reasonable activity result. */
export const PAGE_BYTES = 512 * 1024;

export interface StoredPage {
  offset: number;
  groups: number;
  sha256: string;
}

/** Where a plan's pages are: enough for any reader with the secondary to get them back, and to check them. */
export interface StoredPlanRef {
  topic: string;
  partition: number;
  /** SHA-256 over the page hashes in order: the plan's content id. */
  sha256: string;
  groups: number;
  /** Raw JSON bytes of all pages together. */
  bytes: number;
  pages: StoredPage[];
}

export class PlanStoreError extends KdrError {
  override name = 'PlanStoreError';
  readonly retryable = true;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Splits items into pages of at most `maxBytes` of JSON each (a larger item gets a page of its own). */
export function paginate<T>(items: readonly T[], maxBytes = PAGE_BYTES): T[][] {
  const pages: T[][] = [];
  let page: T[] = [];
  let bytes = 2;
  for (const it of items) {
    const size = Buffer.byteLength(JSON.stringify(it)) + 1;
    if (page.length > 0 && bytes + size > maxBytes) {
      pages.push(page);
      page = [];
      bytes = 2;
    }
    page.push(it);
    bytes += size;
  }
  if (page.length > 0 || pages.length === 0) pages.push(page);
  return pages;
}

export async function ensurePlansTopic(
  secondary: AdminSession,
  options: { replicationFactor?: number } = {},
): Promise<void> {
  if ((await secondary.admin.listTopics()).includes(PLANS_TOPIC)) return;
  try {
    await secondary.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: PLANS_TOPIC,
          numPartitions: 1,
          replicationFactor: options.replicationFactor ?? -1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'max.message.bytes', value: String(2 * 1024 * 1024) },
          ],
        },
      ],
    });
  } catch (err) {
    // Two runs may race to create it.
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
}

/** Writes the items as pages (acks=all, one record per page) and returns where they are. */
export async function storePages<T>(
  secondary: AdminSession,
  items: readonly T[],
  maxBytes = PAGE_BYTES,
  options: { replicationFactor?: number } = {},
): Promise<StoredPlanRef> {
  await ensurePlansTopic(secondary, options);
  const raw = paginate(items, maxBytes).map((p) => JSON.stringify(p));
  const hashes = raw.map((r) => sha256(r));
  const id = sha256(hashes.join('\n'));
  const producer = secondary.kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const pages: StoredPage[] = [];
  let partition = 0;
  try {
    for (let i = 0; i < raw.length; i++) {
      // One record per request: a record batch of several pages could pass the broker's message size limit.
      const [meta] = await producer.send({
        topic: PLANS_TOPIC,
        acks: -1,
        messages: [{ key: JSON.stringify([id, i]), value: gzipSync(raw[i]), partition: 0 }],
      });
      partition = meta.partition;
      pages.push({
        offset: Number(meta.baseOffset),
        groups: (JSON.parse(raw[i]) as unknown[]).length,
        sha256: hashes[i],
      });
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return {
    topic: PLANS_TOPIC,
    partition,
    sha256: id,
    groups: items.length,
    bytes: raw.reduce((n, r) => n + Buffer.byteLength(r), 0),
    pages,
  };
}

// Pages read by this worker, by hash: every reset batch of a 10,000-group plan reads the same few pages.
const cache = new Map<string, unknown[]>();
const CACHE_PAGES = 64;

/** Page `index` of a stored plan, checked against its hash. */
export async function readPage<T>(secondary: AdminSession, ref: StoredPlanRef, index: number): Promise<T[]> {
  const page = ref.pages[index];
  if (!page) throw new PlanStoreError(`stored plan ${ref.sha256} has ${ref.pages.length} page(s), not page ${index}`);
  const hit = cache.get(page.sha256);
  if (hit) return hit as T[];
  const { records } = await fetchFrom(secondary.protocol, ref.topic, ref.partition, page.offset, {
    maxBytes: 4 * 1024 * 1024,
  });
  const record = records.find((r) => r.offset === page.offset);
  if (!record?.value) {
    throw new PlanStoreError(
      `stored plan ${ref.sha256}: page ${index} is not at ${ref.topic}[${ref.partition}] offset ${page.offset} ` +
        '(topic deleted or recreated since the plan was made?)',
    );
  }
  const json = gunzipSync(record.value).toString('utf8');
  if (sha256(json) !== page.sha256)
    throw new PlanStoreError(`stored plan ${ref.sha256}: page ${index} read back differs from the page written`);
  const items = JSON.parse(json) as T[];
  if (cache.size >= CACHE_PAGES) cache.delete(cache.keys().next().value as string);
  cache.set(page.sha256, items);
  return items;
}

/** Items [from, to) of a stored plan, reading only the pages that hold them. */
export async function readRangeOf<T>(
  secondary: AdminSession,
  ref: StoredPlanRef,
  from: number,
  to: number,
): Promise<T[]> {
  const out: T[] = [];
  let start = 0;
  for (let i = 0; i < ref.pages.length && start < to; i++) {
    const end = start + ref.pages[i].groups;
    if (end > from) {
      const items = await readPage<T>(secondary, ref, i);
      out.push(...items.slice(Math.max(0, from - start), Math.min(items.length, to - start)));
    }
    start = end;
  }
  return out;
}
