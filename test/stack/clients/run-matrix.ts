// `npm run clients`: the full client matrix on the local stack (every row of src/clients/guidance.ts through a
// real outage, a planned switchover and a switch back, with the real drFailover and drFailback), printed, and
// written into docs/clients.md between its markers. `npm run clients -- java-3.9 kafkajs` runs only those rows (and
// writes nothing); `npm run clients -- --scenario switch-back` (comma-separated: outage, switchover, switch-back)
// runs only those scenarios and replaces only their tables. Exits 1 when a measurement contradicts the table.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientRows } from '../../../src/clients/guidance';
import { repoRoot } from '../../../stack/local-stack';
import { closeTemporal, temporal } from '../../../stack/harness/temporal';
import { outageMatrix } from './outage-matrix';
import {
  contradictions,
  renderOutage,
  renderSwitchBack,
  renderSwitchover,
  replaceBetweenMarkers,
  replaceSection,
  SCENARIOS,
  section,
  switchBackContradictions,
  switchoverContradictions,
  type Scenario,
} from './render';
import { switchBackMatrix } from './switchback-matrix';
import { switchoverMatrix } from './switchover-matrix';

function parseArgs(argv: string[]): { only: string[]; scenarios: Scenario[] } {
  const only: string[] = [];
  let scenarios: Scenario[] = [...SCENARIOS];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--scenarios?(?:=(.*))?$/.exec(argv[i]);
    if (!m) {
      only.push(argv[i]);
      continue;
    }
    const list = (m[1] ?? argv[++i] ?? '').split(',').filter(Boolean);
    const wrong = list.filter((x) => !(SCENARIOS as readonly string[]).includes(x));
    if (!list.length || wrong.length)
      throw new Error(
        `--scenario takes ${SCENARIOS.join(', ')} (comma-separated), got ${JSON.stringify(list.join(','))}`,
      );
    scenarios = list as Scenario[];
  }
  return { only, scenarios };
}

async function main(): Promise<void> {
  const { only, scenarios } = parseArgs(process.argv.slice(2));
  const rows = only.length ? clientRows.filter((r) => only.includes(r.id)) : clientRows;
  if (rows.length === 0)
    throw new Error(
      `no row of src/clients/guidance.ts is named ${only.join(', ')}; rows: ${clientRows.map((r) => r.id).join(', ')}`,
    );
  await temporal();
  const log = (s: string) => console.log(`# ${new Date().toISOString().slice(11, 19)} ${s}`);
  const when = new Date().toISOString().slice(0, 10);
  const tables = new Map<Scenario, string>();
  const wrong: string[] = [];
  if (scenarios.includes('outage')) {
    const m = await outageMatrix(rows, { drIp: '127.0.0.21', dnsIp: '127.0.0.31', observeMs: 120_000, log });
    tables.set('outage', renderOutage(m, when));
    wrong.push(...contradictions(m));
    console.log(tables.get('outage'));
  }
  if (scenarios.includes('switchover')) {
    const sw = await switchoverMatrix(rows, { drIp: '127.0.0.22', dnsIp: '127.0.0.32', windowMs: 30_000, log });
    tables.set('switchover', renderSwitchover(sw, when));
    wrong.push(...switchoverContradictions(sw));
    console.log(tables.get('switchover'));
  }
  if (scenarios.includes('switch-back')) {
    // A window longer than the JVM's address cache (30 s), so a client that re-resolves the domain could follow.
    const sb = await switchBackMatrix(rows, { drIp: '127.0.0.23', dnsIp: '127.0.0.33', windowMs: 60_000, log });
    tables.set('switch-back', renderSwitchBack(sb, when));
    wrong.push(...switchBackContradictions(sb));
    console.log(tables.get('switch-back'));
  }
  if (!only.length) {
    const doc = path.join(repoRoot, 'docs', 'clients.md');
    let text = fs.readFileSync(doc, 'utf8');
    if (tables.size === SCENARIOS.length)
      text = replaceBetweenMarkers(text, SCENARIOS.map((s) => section(s, tables.get(s)!)).join('\n\n'));
    else for (const [s, body] of tables) text = replaceSection(text, s, body);
    fs.writeFileSync(doc, text);
    console.log(`# written to ${path.relative(repoRoot, doc)}`);
  }
  await closeTemporal();
  if (wrong.length) {
    console.error(`the measurement contradicts src/clients/guidance.ts:\n${wrong.join('\n')}`);
    process.exit(1);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
