// Conformance, live half: every call kafka-dr makes (test/helpers/conformance/scenario.ts, with kafka-dr's own parameters,
// recorded from its real clients) is sent again by Alibaba Cloud's OFFICIAL generated SDK clients to the emulator,
// signed both ways (v1 HMAC-SHA1 and the SDKs' default v3 ACS3-HMAC-SHA256); each answer must parse with the
// official response model with no key the model lacks, and what the model reads back must satisfy kafka-dr's own
// response schema. KDR_WRITE_CONFORMANCE=1 writes the per-action table into docs/alicloud-emulator.md.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { local, repoRoot } from '../../../stack/local-stack';
import { startTestEmulator, type TestEmulator } from '../../../stack/harness/emulator';
import { contract, contractActions, valueProblems } from '../../helpers/conformance/check';
import { officialInput } from '../../helpers/conformance/official-input';
import { recorder, type RecordedCall } from '../../helpers/conformance/record';
import { runScenario } from '../../helpers/conformance/scenario';
import { officialModel, runPythonAsync, type SdkModel } from '../../helpers/conformance/sdk';
import { normalizeJson, type CloudProduct } from '../../../src/cloud';

type Sig = 'v1' | 'v3';
const SIGS: Sig[] = ['v1', 'v3'];

interface StepResult {
  action: string;
  ok: boolean;
  answer?: Record<string, unknown>;
  parsed?: Record<string, unknown>;
  extra?: string[];
  dropped: string[];
  error?: { type: string; code?: string; message: string; statusCode?: number };
}
interface Run {
  calls: RecordedCall[];
  results: StepResult[];
}

/**
 * Known gaps, each asserted to still exist (so the list shrinks as they are fixed): `match` is a problem text
 * (see problemsOf) that must still be reported for that signature.
 */
const EXPECTED_GAPS: { sig: Sig; match: RegExp; why: string }[] = [];

async function liveRun(emu: TestEmulator, model: SdkModel, sig: Sig): Promise<Run> {
  const rec = recorder();
  const id = `${sig}-${randomBytes(3).toString('hex')}`;
  await runScenario(rec, {
    topic: `kdr-conformance-${id}`,
    group: `kdr-conformance-${id}`,
    stream: `kdr-conformance-${id}`,
    rr: `conformance-${id}`,
  });
  const steps = rec.calls.map((c) => ({
    product: c.product,
    region: c.region,
    action: c.action,
    params: officialInput(model, c),
  }));
  const job = {
    url: emu.emulator.url,
    accessKeyId: local.accessKeyId,
    accessKeySecret: local.accessKeySecret,
    signature: sig,
    steps,
  };
  const results = JSON.parse(await runPythonAsync('official_client.py', [], JSON.stringify(job))) as StepResult[];
  assert.equal(results.length, rec.calls.length);
  return { calls: rec.calls, results };
}

/** Every way one step fails conformance, as sentences. */
function problemsOf(c: RecordedCall, r: StepResult): string[] {
  const where = `${c.product} ${c.action}`;
  const out: string[] = [];
  if (r.dropped.length)
    out.push(`${where}: the official request model has no ${r.dropped.join(', ')} (kafka-dr sends it)`);
  if (!r.ok) {
    out.push(
      `${where}: the emulator refused the official client's request: ${r.error?.code ?? r.error?.type} (HTTP ${r.error?.statusCode ?? '?'}) ${r.error?.message ?? ''}`.trim(),
    );
    return out;
  }
  if (r.extra?.length)
    out.push(`${where}: the answer has ${r.extra.join(', ')}, which the official response model does not`);
  // Field types too (the model's from_map keeps whatever type arrives): an int field must come as a JSON number, etc.
  const sdk = officialModel().products[c.product];
  const typeProblems = valueProblems(
    sdk,
    { kind: 'model', ref: sdk.actions[c.action].responseModel },
    r.answer,
    'answer',
  ).filter((p) => !/is not a field of the official/.test(p));
  if (typeProblems.length) out.push(`${where}: ${typeProblems.join('; ')}`);
  const parsed = c.schema.safeParse(normalizeJson(r.parsed));
  if (!parsed.success) {
    out.push(
      `${where}: what the official model reads back fails kafka-dr's schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return out;
}

function describeParams(entries: [string, string][]): string {
  return entries.map(([name, enc]) => (enc === 'string' ? name : `${name} (${enc})`)).join(', ');
}

/** The markdown table: one row per action kafka-dr calls. */
function table(model: SdkModel, runs: Record<Sig, Run>): string {
  const rows = [
    '| Action | kafka-dr sends | official request (SDK) | official client → emulator, answer read by the official model: v1 / v3 |',
    '|---|---|---|---|',
  ];
  for (const { product, action } of contractActions()) {
    const declared = Object.entries(contract[product][action]) as [string, string][];
    const official = model.products[product].actions[action];
    const placement = [
      ...new Set(official.params.filter((p) => contract[product][action][p.name]).map((p) => p.placement)),
    ].join('+');
    const officialParams = describeParams(
      declared.map(([name, mine]) => {
        const encoding = official.params.find((p) => p.name === name)?.encoding ?? 'MISSING';
        return [name, mine === 'json' && encoding === 'string' ? 'a string holding JSON' : encoding];
      }),
    );
    const cells = SIGS.map((sig) => {
      const { calls, results } = runs[sig];
      const idx = calls.map((c, i) => (c.product === product && c.action === action ? i : -1)).filter((i) => i >= 0);
      const problems = idx.flatMap((i) => problemsOf(calls[i], results[i]));
      if (idx.length === 0) return 'not called';
      if (problems.length === 0) return `✓ (${idx.length}×)`;
      const gap = EXPECTED_GAPS.some((g) => g.sig === sig && problems.some((p) => g.match.test(p)));
      return `${gap ? 'known gap' : '✗'}: ${problems[0]
        .replace(/^\S+ \S+: /, '')
        .replace(/\|/g, '\\|')
        .slice(0, 160)}`;
    });
    rows.push(
      `| ${product} ${action} | ${describeParams(declared)} | ${placement}: ${officialParams} | ${cells.join(' / ')} |`,
    );
  }
  return rows.join('\n');
}

const BEGIN = '<!-- conformance:begin -->';
const END = '<!-- conformance:end -->';

function writeTable(markdown: string, model: SdkModel): void {
  const file = path.join(repoRoot, 'docs/alicloud-emulator.md');
  const doc = fs.readFileSync(file, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  assert.ok(start >= 0 && end > start, `docs/alicloud-emulator.md needs the markers ${BEGIN} and ${END}`);
  const versions = Object.entries(model.versions)
    .map(([n, v]) => `${n} ${v}`)
    .join(', ');
  const legend =
    'Encodings: none = string; `list` = flattened as `Name.1`; `json` = one JSON string. `✓ (n×)`: the scenario made n such ' +
    "calls and each was answered, parsed by the official response model with no key it lacks and every value of the type it declares, and read back by kafka-dr's schema.";
  const body = `${BEGIN}\n<!-- written by test/stack/conformance/live.test.ts with KDR_WRITE_CONFORMANCE=1 -->\nOfficial SDKs: ${versions}. ${legend}\n\n${markdown}\n`;
  fs.writeFileSync(file, doc.slice(0, start) + body + doc.slice(end));
}

describe('conformance with the official Alibaba Cloud SDKs (live, official clients against the emulator)', () => {
  let emu: TestEmulator | undefined;
  let model: SdkModel;
  const runs = {} as Record<Sig, Run>;

  before(async () => {
    model = officialModel();
    emu = await startTestEmulator();
    for (const sig of SIGS) runs[sig] = await liveRun(emu, model, sig);
  });
  after(async () => {
    await emu?.close();
  });

  for (const sig of SIGS) {
    it(`${sig}: every action kafka-dr calls, sent by the official client with kafka-dr's parameters, is answered, and the answer parses with the official model and satisfies kafka-dr's schema`, () => {
      const { calls, results } = runs[sig];
      const called = new Set(calls.map((c) => `${c.product} ${c.action}`));
      assert.deepEqual(
        contractActions()
          .map(({ product, action }) => `${product} ${action}`)
          .filter((a) => !called.has(a)),
        [],
      );
      const problems = [...new Set(calls.flatMap((c, i) => problemsOf(c, results[i])))];
      const gaps = EXPECTED_GAPS.filter((g) => g.sig === sig);
      assert.deepEqual(
        problems.filter((p) => !gaps.some((g) => g.match.test(p))),
        [],
        `${sig}: conformance problems`,
      );
      for (const g of gaps)
        assert.ok(
          problems.some((p) => g.match.test(p)),
          `${sig}: the known gap "${g.why}" is fixed: remove it from EXPECTED_GAPS`,
        );
    });
  }

  it('the answers carry data, so the model checks above saw real fields (topics, offsets, records, streams)', () => {
    const { calls, results } = runs.v1;
    const answerOf = (product: CloudProduct, action: string) =>
      results[calls.findIndex((c) => c.product === product && c.action === action)]?.parsed;
    const progress = answerOf('alikafka', 'GetConsumerProgress') as
      { ConsumerProgress?: { TopicList?: { TopicList?: { OffsetList?: { OffsetList?: unknown[] } }[] } } } | undefined;
    assert.ok(
      (progress?.ConsumerProgress?.TopicList?.TopicList?.[0]?.OffsetList?.OffsetList?.length ?? 0) > 0,
      "GetConsumerProgress shows the group's offsets",
    );
    const topics = answerOf('alikafka', 'GetTopicList') as { TopicList?: { TopicVO?: unknown[] } } | undefined;
    assert.equal(topics?.TopicList?.TopicVO?.length, 1);
    const stream = answerOf('eventbridge', 'GetEventStreaming') as
      { Data?: { Source?: unknown; Status?: string } } | undefined;
    assert.ok(stream?.Data?.Source, 'GetEventStreaming returns the stream');
  });

  it('the per-action table renders (KDR_WRITE_CONFORMANCE=1 writes it into docs/alicloud-emulator.md)', () => {
    const markdown = table(model, runs);
    console.log(markdown);
    assert.equal(markdown.split('\n').length, contractActions().length + 2);
    if (process.env.KDR_WRITE_CONFORMANCE === '1') writeTable(markdown, model);
  });
});
