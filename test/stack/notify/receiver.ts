// A local stand-in for DingTalk, Slack and a generic webhook (node:http on 127.0.0.1): checks DingTalk's
// signature the way the robot does, records every body, and answers 500 on /fail. Under /echo it behaves like a
// careless receiver: 401 with the request's URL and headers (the bearer token) in the body; /echo/robot/send
// answers like DingTalk refusing, with the whole URL (access_token, sign) in errmsg.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** DingTalk only: the signature matched and the timestamp was within an hour. */
  signed?: boolean;
}

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(dingTalkSecret: string): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      const entry: Received = { path: url.pathname, query: url.searchParams, headers: req.headers, body };
      if (url.pathname === '/echo/robot/send') {
        received.push(entry);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errcode: 300001, errmsg: `token is not exist: ${req.url}` }));
        return;
      }
      if (url.pathname.startsWith('/echo')) {
        received.push(entry);
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'unauthorized', request: { url: req.url, headers: req.headers } }, null, 2));
        return;
      }
      if (url.pathname.startsWith('/fail')) {
        received.push(entry);
        res.writeHead(500).end('internal error');
        return;
      }
      if (url.pathname === '/robot/send') {
        entry.signed = verifyDingTalk(url.searchParams, dingTalkSecret);
        received.push(entry);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(
            JSON.stringify(entry.signed ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' }),
          );
        return;
      }
      received.push(entry);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** As the robot checks it: HMAC-SHA256(secret, timestamp + "\n" + secret), base64; URLSearchParams already decoded it. */
function verifyDingTalk(query: URLSearchParams, secret: string): boolean {
  const timestamp = query.get('timestamp');
  const sign = query.get('sign');
  if (!timestamp || !sign || Math.abs(Date.now() - Number(timestamp)) > 3_600_000) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'));
  const given = Buffer.from(sign);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
