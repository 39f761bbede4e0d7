// The Alibaba Cloud emulator: POP RPC over HTTP (alikafka, alidns, EventBridge), an admin endpoint for fault
// injection, and the loopback authoritative DNS server, all in one process.
import { timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import {
  authenticate,
  errorEnvelope,
  newRequestId,
  NonceCache,
  PopError,
  successEnvelope,
  VERSION_PRODUCT,
  type Product,
} from './pop';
import { isV3, verifyV3 } from './acs3';
import { authorize, type RamPolicy } from './ram';
import { StateStore } from './state';
import { FaultInjector, SINK_RECORD_ACTION } from './faults';
import { defaultInstances, type EmulatedInstance } from './instances';
import { KafkaAdmins } from './kafka-admin';
import { AlidnsEmulator } from './alidns';
import { AlikafkaEmulator } from './alikafka';
import { EventBridgeEmulator, type StreamTimings } from './eventbridge';
import { dataPlaneOf, type DataPlaneMode, type ReproduceFidelity } from './data-plane';
import { startDnsServer, type DnsServer } from '../dns/server';

export interface EmulatorOptions {
  /** 0 = any free port. */
  httpPort: number;
  /** 0 = any free port; undefined = no DNS server. */
  dnsPort?: number;
  host?: string;
  stateDir: string;
  primaryBootstrap: string;
  secondaryBootstrap: string;
  connectUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** The RAM policy of `accessKeyId` (stack/emulator/ram.ts); none = the account's own key, allowed everything. */
  ramPolicy?: RamPolicy;
  /** More AccessKey pairs, each with its own RAM policy (none = unrestricted): the stack's admin key for test helpers. */
  extraAccessKeys?: { id: string; secret: string; ramPolicy?: RamPolicy }[];
  /** Replication factor MirrorMaker 2 uses for topics it creates (1 on the single-broker local clusters). */
  replicationFactor?: number;
  instances?: EmulatedInstance[];
  /** Event streams: how long a start may take before STARTING_FAILED, and how long a running stream's connector may be unlisted. */
  streamTimings?: Partial<StreamTimings>;
  /** How event streams move records: `mirror` (MirrorMaker 2, the default) or `reproduce`, with its switches. */
  eventBridgeDataPlane?: { mode?: DataPlaneMode; fidelity?: Partial<ReproduceFidelity> };
  /**
   * Fault injection (`/__admin/faults`) is for tests only: it answers only with this token (header
   * `x-kdr-admin-token`) and only from loopback; without a token it is off (404).
   */
  adminToken?: string;
  log?: (line: string) => void;
}

export interface Emulator {
  url: string;
  httpPort: number;
  dnsPort?: number;
  instances: EmulatedInstance[];
  faults: FaultInjector;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new PopError('InvalidParameter', 'Request body too large.', 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  const store = new StateStore(opts.stateDir);
  const instances = opts.instances ?? defaultInstances(opts.primaryBootstrap, opts.secondaryBootstrap);
  const admins = new KafkaAdmins();
  const alidns = new AlidnsEmulator(store, instances);
  const alikafka = new AlikafkaEmulator(store, instances, admins);
  const eventbridge = new EventBridgeEmulator(
    store,
    instances,
    admins,
    opts.connectUrl,
    opts.replicationFactor ?? 1,
    opts.streamTimings,
    dataPlaneOf(opts.eventBridgeDataPlane),
    log,
  );
  const faults = new FaultInjector();
  eventbridge.refuseSinkRecordsWhen(() => faults.failsExactly('eventbridge', SINK_RECORD_ACTION));
  const nonces = new NonceCache();
  const auth = { accessKeys: { [opts.accessKeyId]: opts.accessKeySecret } };
  const policies = new Map<string, RamPolicy | undefined>([[opts.accessKeyId, opts.ramPolicy]]);
  for (const k of opts.extraAccessKeys ?? []) {
    auth.accessKeys[k.id] = k.secret;
    policies.set(k.id, k.ramPolicy);
  }
  const hanging = new Set<http.ServerResponse>();

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  async function admin(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (!opts.adminToken)
      return send(res, 404, {
        error: 'fault injection is off: it is for tests, which start the emulator with an admin token',
      });
    const from = req.socket.remoteAddress ?? '';
    const loopback = from.startsWith('127.') || from === '::1' || from.startsWith('::ffff:127.');
    const given = Buffer.from(String(req.headers['x-kdr-admin-token'] ?? ''));
    const wanted = Buffer.from(opts.adminToken);
    if (!loopback || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      return send(res, 403, {
        error: 'fault injection needs the admin token (header x-kdr-admin-token) and a loopback client',
      });
    }
    if (req.method === 'GET') return send(res, 200, { faults: faults.list() });
    if (req.method === 'DELETE') {
      faults.clear(url.searchParams.get('action') ?? undefined);
      return send(res, 200, { faults: faults.list() });
    }
    if (req.method === 'POST') {
      try {
        const body = JSON.parse((await readBody(req)).toString('utf8')) as unknown;
        return send(res, 200, { faults: faults.set(body) });
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
    }
    return send(res, 405, { error: 'use GET, POST or DELETE' });
  }

  async function pop(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const requestId = newRequestId();
    const segments = url.pathname.split('/').filter(Boolean);
    const pathProduct = segments[0] as Product | undefined;
    const pathRegion = segments[1];
    let product: Product | undefined = ['alikafka', 'alidns', 'eventbridge'].includes(pathProduct ?? '')
      ? pathProduct
      : undefined;
    const hostId = () =>
      product === 'alidns'
        ? 'alidns.aliyuncs.com'
        : `${product === 'eventbridge' ? 'eventbridge-console' : (product ?? 'unknown')}.${pathRegion ?? 'cn-hangzhou'}.aliyuncs.com`;
    let action = '?';
    try {
      const method = (req.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'POST')
        throw new PopError('UnsupportedHTTPMethod', `HTTP method ${method} is not supported; use GET or POST.`, 405);
      const params: Record<string, string> = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      const query = { ...params };
      const raw = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      if (raw.length > 0) {
        const type = String(req.headers['content-type'] ?? '');
        if (!type.includes('application/x-www-form-urlencoded'))
          throw new PopError('InvalidParameter', 'POST bodies must be application/x-www-form-urlencoded.', 400);
        for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) params[k] = v;
      }
      // Signature V3 (the official SDKs' default) names the action and version in x-acs-* headers; V1 in parameters.
      const v3 = isV3(req.headersDistinct, params);
      if (v3) {
        params.Action = String(req.headers['x-acs-action'] ?? '');
        params.Version = String(req.headers['x-acs-version'] ?? '');
      }
      const versionProduct = VERSION_PRODUCT[params.Version ?? ''];
      if (params.Version && !versionProduct)
        throw new PopError('InvalidVersion', `Specified parameter Version "${params.Version}" is not valid.`, 400);
      if (product && versionProduct && product !== versionProduct) {
        throw new PopError(
          'InvalidVersion',
          `Version ${params.Version} belongs to ${versionProduct}, not to the ${product} endpoint.`,
          400,
        );
      }
      product = product ?? versionProduct;
      action = params.Action ?? '?';
      let keyId = params.AccessKeyId ?? '';
      if (v3) {
        // The emulator's /<product>/<region> routing prefix is not part of the API path the client signed.
        const canonicalUri = `/${segments.slice(product && pathProduct === product ? 2 : 0).join('/')}`;
        keyId = verifyV3(
          { method, canonicalUri, query, headers: req.headersDistinct, body: raw },
          auth,
          nonces,
        ).accessKeyId;
      } else authenticate(method, params, auth, nonces);
      if (!product)
        throw new PopError(
          'InvalidVersion',
          'Cannot tell the product: send Version (or use /alikafka, /alidns, /eventbridge paths).',
          400,
        );
      // After authentication, before the service: the caller's RAM policy must allow the action.
      authorize(policies.get(keyId), product, action, params, pathRegion);

      const fault = faults.decide(product, action);
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault.hang) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        log(`${requestId} ${product} ${action} -> (hang injected)`);
        return;
      }
      if (fault.error) throw fault.error;

      let body: Record<string, unknown>;
      if (product === 'alidns') body = alidns.handle(action, params);
      else if (product === 'alikafka') body = await alikafka.handle(action, params);
      else {
        if (!pathRegion)
          throw new PopError(
            'InvalidParameter',
            'EventBridge endpoints carry the region: use http://host:port/eventbridge/<region>.',
            400,
          );
        body = await eventbridge.handle(action, params, pathRegion);
      }
      log(`${requestId} ${product} ${action} -> 200`);
      send(res, 200, successEnvelope(product, requestId, body));
    } catch (err) {
      const e =
        err instanceof PopError
          ? err
          : new PopError(
              'InternalError',
              `The request processing has failed due to some unknown error: ${(err as Error).message}`,
              500,
            );
      log(
        `${requestId} ${product ?? '?'} ${action} -> ${e.httpStatus} ${e.code}${e.httpStatus >= 500 ? ` ${e.message}` : ''}`,
      );
      send(res, e.httpStatus, errorEnvelope(e, product, hostId(), requestId));
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/health') {
      send(res, 200, {
        status: 'ok',
        service: 'kdr-alibaba-cloud-emulator',
        instances: instances.map((i) => ({ instanceId: i.instanceId, regionId: i.regionId })),
        dnsPort: dns?.port,
      });
      return;
    }
    if (url.pathname.startsWith('/__admin/faults')) {
      void admin(req, res, url);
      return;
    }
    void pop(req, res, url);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.httpPort, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const httpPort = (server.address() as { port: number }).port;

  let dns: DnsServer | undefined;
  if (opts.dnsPort !== undefined) {
    try {
      dns = await startDnsServer({
        host,
        port: opts.dnsPort,
        answer: (q) => alidns.answer(q),
        onError: (err) => log(`dns error: ${err.message}`),
      });
    } catch (err) {
      server.close();
      throw err;
    }
  }
  log(
    `emulator listening on http://${host}:${httpPort}${dns ? `, DNS on ${host}:${dns.port} (udp+tcp)` : ''}, state ${store.file}`,
  );

  return {
    url: `http://${host}:${httpPort}`,
    httpPort,
    dnsPort: dns?.port,
    instances,
    faults,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dns?.close();
      await eventbridge.close();
      await alikafka.close();
      await admins.close();
    },
  };
}
