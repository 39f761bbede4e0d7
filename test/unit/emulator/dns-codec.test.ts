// The DNS wire format without any socket.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_IN, RCode, RRType, decodeMessage, emptyMessage, encodeMessage } from '../../../stack/dns/codec';
import { respond } from '../../../stack/dns/server';

describe('DNS codec', () => {
  test('round-trips a response with A, CNAME and SOA records', () => {
    const msg = emptyMessage({
      id: 4242,
      response: true,
      authoritative: true,
      recursionDesired: true,
      rcode: RCode.NOERROR,
      questions: [{ name: 'kafka.kdr.test', type: RRType.A, class: CLASS_IN }],
      answers: [
        { name: 'kafka.kdr.test', type: RRType.CNAME, class: CLASS_IN, ttl: 5, data: 'b-1.example.com' },
        { name: 'b-1.example.com', type: RRType.A, class: CLASS_IN, ttl: 60, data: '127.0.0.2' },
      ],
      authorities: [
        {
          name: 'kdr.test',
          type: RRType.SOA,
          class: CLASS_IN,
          ttl: 5,
          data: { mname: 'ns.kdr.test', rname: 'h.kdr.test', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 4 },
        },
      ],
    });
    const back = decodeMessage(encodeMessage(msg));
    assert.deepEqual(back, msg);
  });

  test('reads compressed names (as resolvers send them)', () => {
    // Header (1 question, 1 answer), question kdr.test A IN, answer name = pointer to offset 12, CNAME rdata "x" + pointer.
    const q = Buffer.from([
      0,
      1,
      0x81,
      0x80,
      0,
      1,
      0,
      1,
      0,
      0,
      0,
      0,
      3,
      ...Buffer.from('kdr'),
      4,
      ...Buffer.from('test'),
      0,
      0,
      1,
      0,
      1,
    ]);
    const ans = Buffer.from([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 9, 0, 4, 1, ...Buffer.from('x'), 0xc0, 12]);
    const m = decodeMessage(Buffer.concat([q, ans]));
    assert.equal(m.answers[0].name, 'kdr.test');
    assert.equal(m.answers[0].data, 'x.kdr.test');
    assert.equal(m.answers[0].ttl, 9);
  });

  test('respond(): NXDOMAIN is authoritative, garbage gets FORMERR, the id is echoed', () => {
    const query = encodeMessage(
      emptyMessage({
        id: 77,
        recursionDesired: true,
        questions: [{ name: 'nope.kdr.test', type: RRType.A, class: CLASS_IN }],
      }),
    );
    const r = decodeMessage(respond(query, () => ({ rcode: RCode.NXDOMAIN, answers: [] }), true)!);
    assert.equal(r.id, 77);
    assert.equal(r.response, true);
    assert.equal(r.authoritative, true);
    assert.equal(r.rcode, RCode.NXDOMAIN);
    const bad = decodeMessage(
      respond(Buffer.from([0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63]), () => ({ rcode: 0, answers: [] }), true)!,
    );
    assert.equal(bad.rcode, RCode.FORMERR);
    assert.equal(bad.id, 9);
  });
});
