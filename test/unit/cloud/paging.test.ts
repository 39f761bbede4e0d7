// Paged lists of the cloud APIs (GetConsumerList, GetTopicList, DescribeSubDomainRecords) are numbered pages over a
// list that other people change while kdr reads it. A group missed here is a group a failover plan leaves out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collect, type Page } from '../../../src/cloud/paging';

/** A server-side list paged like the real API: page n holds items [(n-1)*size, n*size) of the list as it is now. */
function pagedList(initial: string[], size: number, onPage?: (n: number, list: string[]) => void) {
  const list = [...initial];
  let calls = 0;
  const fetchPage = async (n: number): Promise<Page<string>> => {
    calls++;
    const items = list.slice((n - 1) * size, n * size);
    const answer = { total: list.length, currentPage: n, pageSize: size, items };
    onPage?.(n, list);
    return answer;
  };
  return { fetchPage, list, calls: () => calls };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `g${String(i).padStart(3, '0')}`);

describe('collect: every item of a paged list', () => {
  test('a list that does not change: every item once, one pass', async () => {
    const l = pagedList(names(250), 100);
    assert.deepEqual(await collect(l.fetchPage, (g) => g), names(250));
    assert.equal(l.calls(), 3);
  });

  test('an item deleted while later pages are read: no other item is missed', async () => {
    let deleted = false;
    const l = pagedList(names(250), 100, (n, list) => {
      // After page 1 was served, someone deletes g005: every later item shifts one place forward.
      if (n === 1 && !deleted) {
        list.splice(5, 1);
        deleted = true;
      }
    });
    const got = await collect(l.fetchPage, (g) => g);
    const missing = names(250).filter((g) => g !== 'g005' && !got.includes(g));
    assert.deepEqual(missing, [], 'g100 shifted onto page 1 after it was read');
    assert.equal(new Set(got).size, got.length, 'each item once');
  });

  test('a list that changes during two passes: read again until a pass sees it whole', async () => {
    let pages = 0;
    const l = pagedList(names(250), 100, (_n, list) => {
      // Someone deletes one group after each of the first five pages served.
      if (++pages <= 5) list.splice(3, 1);
    });
    const got = await collect(l.fetchPage, (g) => g);
    assert.deepEqual([...got].sort(), [...l.list].sort(), 'every item of the list as it now stands, each once');
  });

  test('a list that never stops changing: the union of every pass, each item once, and it ends', async () => {
    let next = 1000;
    const l = pagedList(names(250), 100, (_n, list) => {
      list.splice(3, 1);
      list.push(`g${next++}`);
    });
    const got = await collect(l.fetchPage, (g) => g);
    assert.equal(new Set(got).size, got.length);
    assert.ok(
      got.every((g) => /^g\d+$/.test(g)),
      'nothing invented',
    );
    assert.ok(l.calls() <= 9, `three passes at most (${l.calls()} pages)`);
  });
});
