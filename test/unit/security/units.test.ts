// The pure security pieces: the workflow-safe SHA-256 against node:crypto, the planId's coverage, the pattern
// safety check (and that what it admits runs fast on hostile names), the approval policy merge, names, Markdown
// escaping and the Ed25519 verdicts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import {
  DEFAULT_PAIR_APPROVAL,
  effectivePolicy,
  nameProblem,
  normaliseName,
  patternProblem,
} from '../../../src/config';
import {
  approvalMessage,
  generateApproverKeys,
  privateKeyFrom,
  signApproval,
  verifyApproval,
} from '../../../src/security/approval-signature';
import { hostAllowed } from '../../../src/security/inline-admission';
import { sha256Hex } from '../../../src/security/sha256';
import { escapeMarkdown } from '../../../src/security/markdown';
import { ApplicationFailure } from '@temporalio/common';
import { PairConfigSchema } from '../../../src/config';
import { localKafkaPair } from '../../../stack/local-pairs';
import { planSealer } from '../../../workflows/plan-seal';
import { sealedPlanId as planIdOf } from '../../../src/plan/seal';
import { type PlanAuthority } from '../../../src/plan/model';
import type { FailoverPlan } from '../../../src/plan/model';

describe('security units', () => {
  test('sha256Hex equals node:crypto on 300 random texts (ASCII, multi-byte, block boundaries)', () => {
    for (let i = 0; i < 300; i++) {
      const len = i < 130 ? i : Math.floor(Math.random() * 5000);
      const text = Array.from({ length: len }, () =>
        String.fromCodePoint(
          Math.random() < 0.8 ? 32 + Math.floor(Math.random() * 90) : 0x80 + Math.floor(Math.random() * 0x1f000),
        ),
      ).join('');
      assert.equal(sha256Hex(text), crypto.createHash('sha256').update(text, 'utf8').digest('hex'), `length ${len}`);
    }
  });

  test('the planId changes when anything the approval authorises changes', () => {
    const plan = {
      groups: [
        {
          group: 'g',
          duplicateBound: 1,
          liveMembers: 0,
          untranslated: [],
          offsets: [
            ['t', 0, 10, 'checkpoint'],
            ['t', 1, 20, 'checkpoint'],
          ] as [string, number, number, 'checkpoint'][],
        },
      ],
    };
    const authority: PlanAuthority = {
      pair: 'p',
      cname: { domain: 'k.example.com', from: 'a.example.com', to: 'b.example.com' },
      drain: 'auto',
      mode: 'switchover',
      marginMs: 1000,
      operatorTimestamp: null,
    };
    const id = planIdOf(plan, authority);
    assert.match(id, /^[0-9a-f]{32}$/);
    const variants: [string, string][] = [
      ['pair', planIdOf(plan, { ...authority, pair: 'q' })],
      ['CNAME target', planIdOf(plan, { ...authority, cname: { ...authority.cname, to: 'evil.example.com' } })],
      ['CNAME source', planIdOf(plan, { ...authority, cname: { ...authority.cname, from: 'c.example.com' } })],
      ['domain', planIdOf(plan, { ...authority, cname: { ...authority.cname, domain: 'x.example.com' } })],
      ['drain', planIdOf(plan, { ...authority, drain: false })],
      ['mode', planIdOf(plan, { ...authority, mode: 'outage' })],
      ['margin', planIdOf(plan, { ...authority, marginMs: 1001 })],
      ['operator timestamp', planIdOf(plan, { ...authority, operatorTimestamp: 1_700_000_000_000 })],
      [
        'one offset',
        planIdOf(
          {
            groups: [
              {
                ...plan.groups[0],
                offsets: [
                  ['t', 0, 10, 'checkpoint'],
                  ['t', 1, 21, 'checkpoint'],
                ],
              },
            ],
          },
          authority,
        ),
      ],
    ];
    for (const [what, other] of variants) assert.notEqual(other, id, `${what} changes the planId`);
    assert.equal(planIdOf(plan, { ...authority }), id, 'same content, same id');
  });

  test('patterns: what operators write is accepted and runs fast on hostile names; catastrophic shapes are refused', () => {
    const fine = [
      'orders|payments',
      'orders-.*',
      'team-a\\.(billing|ledger)',
      '.*',
      '[a-z]+-[0-9]{1,3}',
      '(ab)*c',
      'x(y)?z',
      'prefix-(eu|us)-.*',
    ];
    for (const p of fine) {
      assert.equal(patternProblem(p), undefined, p);
      const re = new RegExp(`^(?:${p})$`);
      const started = process.hrtime.bigint();
      for (const name of ['a'.repeat(249), `${'ab'.repeat(124)}!`, `${'team-a.'.repeat(35)}x`]) re.test(name);
      assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 50, `${p} is fast`);
    }
    const bad: [string, RegExp][] = [
      ['(a+)+$', /repeats a group that itself repeats/],
      ['(a*)*', /repeats a group that itself repeats/],
      ['([a-z]+)*x', /itself repeats/],
      ['(a|aa)+', /group of alternatives/],
      ['(x|xy)*z', /group of alternatives/],
      ['((ab)*)+', /itself repeats/],
      ['(a)\\1', /back-reference/],
      ['(?=a).*', /lookaround/],
      ['(?<!a)b', /lookaround/],
      ['a'.repeat(201), /at most 200/],
      ['(', /not a valid/],
    ];
    for (const [p, why] of bad) assert.match(patternProblem(p) ?? '', why, p);
  });

  test('approval policy: the input tightens, never loosens; the merged policy is what runs', () => {
    const pair = { ...DEFAULT_PAIR_APPROVAL, required: 2, allowList: ['bob', 'carol', 'dave'], timeout: 3_600_000 };
    const tight = effectivePolicy(
      pair,
      { required: 3, timeout: 600_000, allowList: ['Bob', 'carol', 'dave'] },
      'alice',
    );
    assert.ok(tight.ok);
    assert.deepEqual(tight.policy, { ...pair, required: 3, timeout: 600_000, allowList: ['Bob', 'carol', 'dave'] });
    const loose = effectivePolicy(
      pair,
      { required: 1, timeout: 7_200_000, forbidSelfApproval: false, allowList: ['mallory'] },
      'alice',
    );
    assert.ok(!loose.ok);
    assert.deepEqual(loose.problems.map((p) => p.path).sort(), [
      'approval.allowList',
      'approval.forbidSelfApproval',
      'approval.required',
      'approval.timeout',
    ]);
    const unmeetable = effectivePolicy(pair, { allowList: ['bob', 'carol'] }, 'bob');
    assert.ok(!unmeetable.ok && /1 possible approver\(s\) but 2/.test(unmeetable.problems[0].message));
  });

  test('names: NFKC, case and spaces fold; invisible characters are refused', () => {
    assert.equal(normaliseName(' ＢＯＢ  Smith '), 'bob smith');
    for (const n of ['b\u200Bob', 'bob\u202E', 'b\u00ADob', 'bo\u0007b', '\u3164', 'b\uFEFFob', 'b\u2060ob'])
      assert.ok(nameProblem(n), JSON.stringify(n));
    for (const n of ['bob', 'Zoë', '张伟', "o'neil", 'mary-jane']) assert.equal(nameProblem(n), undefined, n);
  });

  test('Markdown escaping: operator text cannot add links, images, HTML, emphasis or table cells', () => {
    const out = escapeMarkdown('**approved** by [admin](http://evil) <img src=x> | col ![i](x) `code` ~~x~~');
    assert.doesNotMatch(out, /(?<!\\)[*[\]<>|`~]/, out);
  });

  test('inline host allow-list: exact names and *.suffix only', () => {
    const list = ['127.0.0.1', '*.kdr.test'];
    assert.ok(hostAllowed('127.0.0.1', list) && hostAllowed('a.kdr.test', list) && hostAllowed('A.KDR.TEST.', list));
    for (const h of ['127.0.0.2', 'kdr.test.evil.com', 'evilkdr.test', 'kdr.test'])
      assert.equal(hostAllowed(h, list), false, h);
  });

  test('Ed25519 verdicts: good, forged, wrong key, unknown, expired, future, altered field', () => {
    const bob = generateApproverKeys();
    const carol = generateApproverKeys();
    const approvers = [{ name: 'bob', publicKey: bob.publicKey }];
    const now = Date.parse('2026-01-31T12:00:00.000Z');
    const fields = {
      pair: 'p',
      workflowId: 'w',
      runId: 'r',
      planId: 'abc',
      by: 'Bob',
      signedAt: '2026-01-31T11:59:00.000Z',
    };
    const sig = signApproval(privateKeyFrom(bob.privatePem, 'bob'), fields);
    const v = (claim: typeof fields & { signature: string }, at = now) =>
      verifyApproval(claim, approvers, { maxAgeMs: 300_000, now: at });
    assert.deepEqual(v({ ...fields, signature: sig }), { ok: true });
    assert.match(v({ ...fields, by: 'bob', signature: sig }).ok ? 'ok' : 'x', /ok/, 'the signed name is normalised');
    assert.match(v({ ...fields, signature: Buffer.alloc(64).toString('base64') }).reason ?? '', /does not verify/);
    assert.match(
      v({ ...fields, signature: signApproval(privateKeyFrom(carol.privatePem, 'carol'), fields) }).reason ?? '',
      /does not verify/,
    );
    assert.match(v({ ...fields, by: 'carol', signature: sig }).reason ?? '', /unknown key/);
    assert.match(v({ ...fields, signature: sig }, now + 10 * 60_000).reason ?? '', /expired/);
    assert.match(v({ ...fields, signature: sig }, now - 10 * 60_000).reason ?? '', /in the future/);
    for (const field of ['pair', 'workflowId', 'runId', 'planId'] as const) {
      assert.match(
        v({ ...fields, [field]: 'other', signature: sig }).reason ?? '',
        /does not verify/,
        `${field} is covered`,
      );
    }
    assert.match(
      approvalMessage(fields).toString(),
      /^kafka-dr approval v1\npair p\nworkflow w\nrun r\nplan abc\napprover bob\nsigned-at /,
    );
  });

  test('an operator timestamp after the newest replicated record is refused; the sealed plan shows it', () => {
    const pair = PairConfigSchema.parse(localKafkaPair('seal', ['orders']));
    const plan: FailoverPlan = {
      planId: 'offsets',
      pair: 'seal',
      marginMs: 1000,
      latencyMs: 10,
      primaryReachable: false,
      totals: { groups: 0, partitions: 0, duplicateBound: 0, untranslated: 0, liveGroups: 0, sources: {} },
      groups: [],
    };
    const newest = Date.parse('2026-01-31T12:00:00Z');
    const late = planSealer(pair, {
      drain: 'auto',
      mode: 'outage',
      operatorTimestamp: newest + 1,
      newestReplicatedAt: newest,
    });
    assert.throws(
      () => late(plan),
      (e: unknown) =>
        e instanceof ApplicationFailure &&
        e.type === 'Refused' &&
        /translation\.operatorTimestamp 2026-01-31T12:00:00\.001Z is after the newest replicated record/.test(
          e.message,
        ),
    );
    const sealed = planSealer(pair, {
      drain: 'auto',
      mode: 'outage',
      operatorTimestamp: newest - 60_000,
      newestReplicatedAt: newest,
    })(plan);
    assert.equal(sealed.offsetsId, 'offsets');
    assert.deepEqual(sealed.authorises, {
      pair: 'seal',
      cname: { domain: 'seal.kdr.test', from: 'primary.kdr.test', to: 'secondary.kdr.test' },
      drain: 'auto',
      mode: 'outage',
      marginMs: 1000,
      operatorTimestamp: newest - 60_000,
    });
    assert.equal(sealed.planId, planIdOf(plan, sealed.authorises));
  });
});
