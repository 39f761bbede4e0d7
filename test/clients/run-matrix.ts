// `npm run clients`: the full client matrix on the local stack (every row of src/clients/guidance.ts through a
// real outage, then a planned switchover, with the real drFailover), printed, and written into docs/clients.md between its markers.
// `npm run clients -- java-3.9 kafkajs` runs only those rows. Exits 1 when a measurement contradicts the table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientRows } from '../../src/clients/guidance';
import { repoRoot } from '../../stack/local-stack';
import { closeTemporal, temporal } from '../helpers/temporal';
import { outageMatrix } from './outage-matrix';
import { contradictions, renderOutage, renderSwitchover, replaceBetweenMarkers, switchoverContradictions } from './render';
import { switchoverMatrix } from './switchover-matrix';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows = only.length ? clientRows.filter((r) => only.includes(r.id)) : clientRows;
  if (rows.length === 0) throw new Error(`no row of src/clients/guidance.ts is named ${only.join(', ')}; rows: ${clientRows.map((r) => r.id).join(', ')}`);
  await temporal();
  const log = (s: string) => console.log(`# ${new Date().toISOString().slice(11, 19)} ${s}`);
  const m = await outageMatrix(rows, { drIp: '127.0.0.21', dnsIp: '127.0.0.31', observeMs: 120_000, log });
  const when = new Date().toISOString().slice(0, 10);
  console.log(renderOutage(m, when));
  const sw = await switchoverMatrix(rows, { drIp: '127.0.0.22', dnsIp: '127.0.0.32', windowMs: 30_000, log });
  const table = `${renderOutage(m, when)}\n\n${renderSwitchover(sw, when)}`;
  console.log(table);
  if (!only.length) {
    const doc = path.join(repoRoot, 'docs', 'clients.md');
    fs.writeFileSync(doc, replaceBetweenMarkers(fs.readFileSync(doc, 'utf8'), table));
    console.log(`# written to ${path.relative(repoRoot, doc)}`);
  }
  const wrong = [...contradictions(m), ...switchoverContradictions(sw)];
  await closeTemporal();
  if (wrong.length) {
    console.error(`the measurement contradicts src/clients/guidance.ts:\n${wrong.join('\n')}`);
    process.exit(1);
  }
}

main().catch((err: Error) => { console.error(err.stack ?? err.message); process.exit(1); });
