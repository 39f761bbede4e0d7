// kafkajs clients for one cluster of a DR pair. Secrets are read from the environment variables the pair
// config names, at the moment a client is built, and never leave this module.
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Kafka, logLevel, type ISocketFactory, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { KdrError } from '../errors';

export type SecurityProtocol = 'plaintext' | 'ssl' | 'sasl_plaintext' | 'sasl_ssl';
export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface ClusterSecurity {
  protocol: SecurityProtocol;
  mechanism?: SaslMechanism;
  /** Names of the environment variables holding the SASL user name and password (never the values). */
  usernameEnv?: string;
  passwordEnv?: string;
  /** PEM file of the CA certificates to trust over TLS (default: Node's bundled CAs). Not a secret. */
  caFile?: string;
}

export interface ClusterConnection {
  bootstrapServers: string[];
  security?: ClusterSecurity;
}

export interface ClientOptions {
  clientId?: string;
  /** TCP connect timeout per broker, ms (default 3000). */
  connectionTimeoutMs?: number;
  /** Per-request timeout, ms (default 10000). */
  requestTimeoutMs?: number;
  /** Retries of a failed request or connection (default 2: a dead broker fails in a few seconds). */
  retries?: number;
  /** Resolve broker host names through this DNS server ("host:port"), e.g. the local stack's. */
  dnsServer?: string;
  /** Override of the socket factory (wins over dnsServer). */
  socketFactory?: ISocketFactory;
}

export class KafkaConfigError extends KdrError {
  override name = 'KafkaConfigError';
  readonly retryable = false;
}

function saslFromEnv(security: ClusterSecurity): SASLOptions {
  const mechanism = security.mechanism ?? 'plain';
  if (!security.usernameEnv || !security.passwordEnv) {
    throw new KafkaConfigError(
      `security.protocol=${security.protocol} needs security.usernameEnv and security.passwordEnv: ` +
        'the names of the environment variables that hold the SASL user name and password',
    );
  }
  const username = process.env[security.usernameEnv];
  const password = process.env[security.passwordEnv];
  const missing = [!username ? security.usernameEnv : undefined, !password ? security.passwordEnv : undefined].filter(
    Boolean,
  );
  if (missing.length) {
    throw new KafkaConfigError(
      `SASL credentials missing: environment variable(s) ${missing.join(', ')} not set on the worker; ` +
        'export them where the worker runs (values are never put in workflow input)',
    );
  }
  return { mechanism, username: username as string, password: password as string } as SASLOptions;
}

/** The CA certificates of `security.caFile`; the file's content is never echoed (it may not be a CA at all). */
function caFrom(caFile: string): string {
  let pem: string;
  try {
    pem = fs.readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new KafkaConfigError(
      `security.caFile ${caFile} cannot be read on the worker (${(err as NodeJS.ErrnoException).code ?? 'error'}): ` +
        'give the path of a PEM file of CA certificates readable by the worker, or remove caFile to trust the system CAs',
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new KafkaConfigError(
      `security.caFile ${caFile} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"): ` +
        'give the CA certificate in PEM form (openssl x509 -in ca.der -inform der -out ca.pem converts a DER one)',
    );
  }
  return pem;
}

/** kafkajs settings for a cluster; contains secrets, so never log or return it. */
export function kafkaConfig(cluster: ClusterConnection, options: ClientOptions = {}): KafkaConfig {
  if (!Array.isArray(cluster.bootstrapServers) || cluster.bootstrapServers.length === 0) {
    throw new KafkaConfigError('bootstrapServers is empty: give at least one "host:port"');
  }
  for (const s of cluster.bootstrapServers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(s)) {
      throw new KafkaConfigError(`bootstrapServers entry "${s}" is not "host:port"`);
    }
  }
  const protocol = cluster.security?.protocol ?? 'plaintext';
  const useTls = protocol === 'ssl' || protocol === 'sasl_ssl';
  const useSasl = protocol === 'sasl_plaintext' || protocol === 'sasl_ssl';
  const retries = options.retries ?? 2;
  const socketFactory = options.socketFactory ?? (options.dnsServer ? dnsSocketFactory(options.dnsServer) : undefined);
  return {
    clientId: options.clientId ?? 'kafka-dr',
    brokers: cluster.bootstrapServers,
    ssl: useTls ? (cluster.security?.caFile ? { ca: [caFrom(cluster.security.caFile)] } : true) : undefined,
    sasl: useSasl ? saslFromEnv(cluster.security as ClusterSecurity) : undefined,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    authenticationTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 10000,
    enforceRequestTimeout: true,
    retry: { retries, initialRetryTime: 200, maxRetryTime: 1000, factor: 0.2, multiplier: 2 },
    logLevel: logLevel.NOTHING,
    ...(socketFactory ? { socketFactory } : {}),
  };
}

export function createKafka(cluster: ClusterConnection, options: ClientOptions = {}): Kafka {
  return new Kafka(kafkaConfig(cluster, options));
}

function parseServer(server: string): string {
  // dns.Resolver.setServers takes "ip" or "ip:port" ("[v6]:port" for IPv6).
  if (!/^[\d.]+(:\d+)?$/.test(server) && !/^\[[0-9a-f:]+\](:\d+)?$/i.test(server)) {
    throw new KafkaConfigError(`dnsServer "${server}" is not "ip:port"`);
  }
  return server;
}

/** Resolves a host name to an IPv4 address through `resolver`, following CNAME chains (bounded). */
export async function resolveHost(resolver: dns.promises.Resolver, host: string): Promise<string> {
  if (net.isIP(host)) return host;
  let name = host;
  for (let hop = 0; hop < 8; hop++) {
    try {
      const addrs = await resolver.resolve4(name);
      if (addrs.length) return addrs[0];
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENODATA' && code !== 'ENOTFOUND') throw err;
    }
    // Some servers answer an A query with the CNAME only; follow it ourselves.
    let cnames: string[] = [];
    try {
      cnames = await resolver.resolveCname(name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENODATA' && code !== 'ENOTFOUND') throw err;
    }
    if (!cnames.length) break;
    name = cnames[0];
  }
  throw Object.assign(new Error(`${host}: no A record (followed CNAMEs to ${name})`), { code: 'ENOTFOUND' });
}

/**
 * A kafkajs socket factory that looks broker host names up through the given DNS server instead of the OS
 * resolver: clients bootstrapping from a custom domain see a CNAME switch as soon as that server serves it.
 */
export function dnsSocketFactory(dnsServer: string): ISocketFactory {
  const resolver = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([parseServer(dnsServer)]);
  const lookup: net.LookupFunction = (hostname, opts, callback) => {
    resolveHost(resolver, hostname).then(
      (address) => {
        if ((opts as dns.LookupOptions).all)
          (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [{ address, family: 4 }]);
        else callback(null, address, 4);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect(
          { ...ssl, host, port, lookup, servername: ssl.servername ?? (net.isIP(host) ? undefined : host) },
          onConnect,
        )
      : net.connect({ host, port, lookup }, onConnect);
    socket.setKeepAlive(true, 60000);
    return socket;
  };
}
