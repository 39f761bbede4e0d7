// The worker's Prometheus endpoint (opt-in: KDR_METRICS_PORT). One scrape target serves both kafka-dr's own
// metrics (src/metrics/kdr.ts) and the Temporal runtime's (worker polls, task latencies, sticky cache...): the
// SDK's exporter listens on loopback only, and /metrics appends what it answers.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Runtime } from '@temporalio/worker';
import { registry } from '../src/metrics/kdr';

export const METRICS_ENV = {
  port: 'KDR_METRICS_PORT',
  /** Default 127.0.0.1; 0.0.0.0 in a container or when Prometheus scrapes from another host. */
  host: 'KDR_METRICS_HOST',
  /** The Temporal runtime's own exporter, on loopback; default KDR_METRICS_PORT + 1. */
  temporalPort: 'KDR_METRICS_TEMPORAL_PORT',
} as const;

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export class MetricsConfigError extends Error {
  override name = 'MetricsConfigError';
}

function port(env: NodeJS.ProcessEnv, name: string, fallback?: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new MetricsConfigError(`${name}=${raw}: expected a TCP port (0-65535)`);
  return n;
}

/**
 * Starts the endpoint when KDR_METRICS_PORT is set; undefined otherwise. Call it before the first connection to
 * Temporal: the runtime's telemetry can only be installed before the runtime starts.
 */
export async function startMetricsFromEnv(env: NodeJS.ProcessEnv): Promise<MetricsServer | undefined> {
  const listen = port(env, METRICS_ENV.port);
  if (listen === undefined) return undefined;
  const temporalPort = port(env, METRICS_ENV.temporalPort, listen === 0 ? undefined : listen + 1);
  if (temporalPort === undefined || temporalPort === 0) {
    throw new MetricsConfigError(
      `${METRICS_ENV.temporalPort}: give a fixed port for the Temporal runtime's exporter when ${METRICS_ENV.port} is 0`,
    );
  }
  return startMetrics({ port: listen, host: env[METRICS_ENV.host] || '127.0.0.1', temporalPort });
}

export async function startMetrics(o: { port: number; host: string; temporalPort: number }): Promise<MetricsServer> {
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${o.temporalPort}` } } } });
  const temporalUrl = `http://127.0.0.1:${o.temporalPort}/metrics`;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('kafka-dr metrics are at /metrics\n');
      return;
    }
    void scrape(temporalUrl).then((body) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${o.host === '0.0.0.0' ? '127.0.0.1' : o.host}:${bound}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function scrape(temporalUrl: string): Promise<string> {
  let temporal: string;
  let up = 1;
  try {
    const r = await fetch(temporalUrl, { signal: AbortSignal.timeout(2_000) });
    temporal = r.ok ? await r.text() : '';
    if (!r.ok) up = 0;
  } catch {
    temporal = '';
    up = 0;
  }
  // Whether the runtime's part is in this scrape: absent metrics then mean "not collected", not "zero".
  const upLine =
    `# HELP kdr_temporal_metrics_up 1 when the Temporal runtime's metrics are included in this scrape\n` +
    `# TYPE kdr_temporal_metrics_up gauge\nkdr_temporal_metrics_up ${up}\n`;
  return registry.render() + upLine + (temporal.endsWith('\n') || temporal === '' ? temporal : `${temporal}\n`);
}
