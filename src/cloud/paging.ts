// The paged list actions of the cloud APIs: one page as the client returns it, and every page collected.

export interface Page<T> {
  total: number;
  currentPage: number;
  pageSize: number;
  items: T[];
}

export function page<T>(
  res: { Total?: number; CurrentPage?: number; PageSize?: number },
  items: T[],
  req: { currentPage?: number; pageSize?: number },
): Page<T> {
  return {
    total: res.Total ?? items.length,
    currentPage: res.CurrentPage ?? req.currentPage ?? 1,
    pageSize: res.PageSize ?? req.pageSize ?? items.length,
    items,
  };
}

/** Whole collections tried before settling for the union of what they saw (the list kept changing under them). */
const COLLECT_ATTEMPTS = 3;

/**
 * Every item of a paged list. Pages are numbered, not anchored: an item deleted while later pages are read shifts
 * the rest one place forward, and one item is never seen. For a list of consumer groups that is a group left out of
 * a failover plan. So a collection whose total changed between pages, or that ended short of its total, is read
 * again from page 1; after COLLECT_ATTEMPTS of those, the union of every attempt (by `keyOf`) is returned: an item
 * seen once is kept, an item that never existed is never invented.
 * Not seen: a delete and a create between the same two pages leave the total as it was (one item is missed then).
 */
export async function collect<T>(
  fetchPage: (currentPage: number) => Promise<Page<T>>,
  keyOf: (item: T) => string,
): Promise<T[]> {
  const union = new Map<string, T>();
  for (let attempt = 1; attempt <= COLLECT_ATTEMPTS; attempt++) {
    const { items, stable } = await collectOnce(fetchPage);
    if (stable) return items;
    for (const item of items) union.set(keyOf(item), item);
  }
  return [...union.values()];
}

async function collectOnce<T>(
  fetchPage: (currentPage: number) => Promise<Page<T>>,
): Promise<{ items: T[]; stable: boolean }> {
  const all: T[] = [];
  let total: number | undefined;
  let stable = true;
  for (let current = 1; ; current++) {
    const p = await fetchPage(current);
    if (total !== undefined && p.total !== total) stable = false;
    total ??= p.total;
    all.push(...p.items);
    if (p.items.length === 0 || all.length >= p.total || p.items.length < p.pageSize)
      return { items: all, stable: stable && all.length >= p.total };
    if (current > 10_000) throw new Error('pagination did not terminate after 10000 pages');
  }
}
