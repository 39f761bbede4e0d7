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

export async function collect<T>(fetchPage: (currentPage: number) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  for (let current = 1; ; current++) {
    const p = await fetchPage(current);
    all.push(...p.items);
    if (p.items.length === 0 || all.length >= p.total || p.items.length < p.pageSize) return all;
    if (current > 10_000) throw new Error('pagination did not terminate after 10000 pages');
  }
}
