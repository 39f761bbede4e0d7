// The short form of the client matrix (`npm run clients` runs every row): two real Java applications through a
// real outage and drFailover, one with the documented re-bootstrap setting and one with the defaults. Each must
// do what src/clients/guidance.ts — the table the drFailover plan and docs/clients.md print — says: a row marked
// `follows` resumes on the secondary without a restart, loses nothing and re-reads within the plan's bound; a row
// marked `restart` does not follow by itself, and once restarted as the guidance asks it resumes and loses nothing.
// kdr-test: exclusive (real Java clients are watched for a fixed 75 s window: other files' load on the two cores
// would change what they manage to do in it, and with it the row's verdict)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clientRows } from '../../../src/clients/guidance';
import { closeTemporal, temporal } from '../../../stack/harness/temporal';
import { outageMatrix } from './outage-matrix';
import { contradictions, renderOutage } from './render';

describe('client matrix (short form): Java kafka-clients through an outage', () => {
  before(() => temporal());
  after(() => closeTemporal());

  test('the rebootstrap row follows the CNAME without a restart, the default row needs one; nothing is lost', async () => {
    const rows = clientRows.filter((r) => r.id === 'java-3.9-rebootstrap' || r.id === 'java-3.9');
    assert.equal(rows.length, 2, 'the guidance table has both Java 3.9 rows');
    const m = await outageMatrix(rows, {
      drIp: '127.0.0.20',
      dnsIp: '127.0.0.30',
      observeMs: 75_000,
      log: (s) => console.log(`# ${s}`),
    });
    console.log(
      renderOutage(m, new Date().toISOString().slice(0, 10))
        .split('\n')
        .map((l) => `# ${l}`)
        .join('\n'),
    );
    assert.deepEqual(contradictions(m), [], 'every row does what the guidance table says');
    for (const r of m.results) {
      assert.ok(r.acked > 0 && r.processed > 0, `${r.id}: produced and consumed`);
      // Java consumers re-join from the reset offsets: their re-reads are the failover's, within the plan's bound.
      assert.ok(
        r.duplicates <= r.bound,
        `${r.id}: ${r.duplicates} records processed twice, above the plan's bound ${r.bound}`,
      );
      if (r.restarted)
        assert.ok(
          r.resumedAfterRestart,
          `${r.id}: restarted as the guidance says, it produced and consumed on the secondary`,
        );
      assert.deepEqual(
        r.lost.slice(0, 10),
        [],
        `${r.id}: ${r.lost.length} acknowledged records on the secondary were never processed`,
      );
    }
  });
});
