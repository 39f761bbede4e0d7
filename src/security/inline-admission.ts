// Inline pair configs ({"config": {...}} in a run's input) let whoever can start a workflow choose hosts, files,
// cloud instances and secret names the worker will use. They are OFF unless the worker's environment allows them
// (the local stack and the tests do); when allowed, every host must be on the worker's allow-list, every secret
// variable name must carry the worker's secret prefix, every ApsaraMQ instance (the worker's AccessKey acts on
// any instance of the account) must be on the instance allow-list, and a CA file must lie under an allowed
// directory. So no input can make the worker send its own AccessKey (or any other variable) to a host of the
// starter's choosing, read a file of its choosing, or act on an instance of its choosing.
// Activity side only (reads files): workflows never import it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { customDomain, type PairConfig } from '../config';

export const INLINE_ENV = {
  allow: 'KDR_ALLOW_INLINE_CONFIG',
  hosts: 'KDR_INLINE_ALLOWED_HOSTS',
  secretPrefix: 'KDR_SECRET_ENV_PREFIX',
  instances: 'KDR_INLINE_ALLOWED_INSTANCES',
  caDirs: 'KDR_INLINE_CA_DIRS',
} as const;

export const DEFAULT_SECRET_PREFIX = 'KDR_SECRET_';

export interface InlinePolicy {
  allowed: boolean;
  /** Exact host names / IP addresses, or "*.suffix" for every name under suffix. */
  hosts: string[];
  secretPrefix: string;
  /** ApsaraMQ instances as "<region>/<instanceId>". */
  instances: string[];
  /** Absolute directories a CA file (security.caFile) may lie under. */
  caDirs: string[];
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);

export function inlinePolicyFrom(env: NodeJS.ProcessEnv): InlinePolicy {
  return {
    allowed: /^(1|true|yes)$/i.test(env[INLINE_ENV.allow] ?? ''),
    hosts: list(env[INLINE_ENV.hosts]).map((h) => h.toLowerCase()),
    secretPrefix: env[INLINE_ENV.secretPrefix] || DEFAULT_SECRET_PREFIX,
    instances: list(env[INLINE_ENV.instances]),
    caDirs: list(env[INLINE_ENV.caDirs])
      .filter((d) => path.isAbsolute(d))
      .map((d) => path.resolve(d)),
  };
}

function hostOf(hostPort: string): string {
  const h = hostPort.startsWith('[') ? hostPort.slice(1, hostPort.indexOf(']')) : hostPort.replace(/:\d+$/, '');
  return h.replace(/\.$/, '').toLowerCase();
}

export function hostAllowed(host: string, allowList: readonly string[]): boolean {
  const h = host.replace(/\.$/, '').toLowerCase();
  return allowList.some((a) => (a.startsWith('*.') ? h.endsWith(a.slice(1)) && h.length > a.length - 1 : h === a));
}

/**
 * The host fetch would connect to for `url`, or why the URL is refused. Parsed with WHATWG URL, the parser fetch
 * uses (a hand-made split disagrees with it: fetch reads "\" as "/", so "http://169.254.169.254\x#.allowed.test"
 * goes to the first host). Refused outright: "\", userinfo ("@"), a fragment ("#"), a query, a %-encoded host
 * and any scheme but http(s).
 */
export function connectUrlHost(url: string): { host: string } | { problem: string } {
  const refuse = (why: string) => ({
    problem: `${why}: give the Kafka Connect REST URL as http(s)://host[:port][/path]`,
  });
  if (url.includes('\\')) return refuse('contains "\\" (fetch reads it as "/", so the host is not what it seems)');
  if (url.includes('@')) return refuse('contains "@" (userinfo: the host is what follows it)');
  if (url.includes('#')) return refuse('contains "#" (a fragment)');
  if (url.includes('?')) return refuse('contains "?" (a query)');
  const authority = url.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '').split('/')[0];
  if (authority.includes('%')) return refuse('has a %-encoded host');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return refuse(`has scheme ${parsed.protocol.replace(/:$/, '')}`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!host) return refuse('has no host');
  return { host };
}

/**
 * Whether `file` is a CA file the worker admits: an absolute path under one of `dirs` (after resolving symbolic
 * links too), a regular file of at most 1 MB holding a PEM certificate and no private key. One yes/no: the
 * caller says the same thing for every reason, so a refusal tells nothing about the worker's files.
 */
export function caFileAdmitted(file: string, dirs: readonly string[]): boolean {
  const inside = (p: string, roots: readonly string[]) =>
    roots.some((d) => p.startsWith(d.endsWith(path.sep) ? d : `${d}${path.sep}`));
  try {
    if (!path.isAbsolute(file) || path.resolve(file) !== file || !inside(file, dirs)) return false;
    const real = fs.realpathSync(file);
    const realDirs = dirs.flatMap((d) => {
      try {
        return [fs.realpathSync(d)];
      } catch {
        return [];
      }
    });
    if (!inside(real, realDirs)) return false;
    const stat = fs.statSync(real);
    if (!stat.isFile() || stat.size > 1_048_576) return false;
    const pem = fs.readFileSync(real, 'utf8');
    return pem.includes('-----BEGIN CERTIFICATE-----') && !/PRIVATE KEY-----/.test(pem);
  } catch {
    return false;
  }
}

/** Every string of `value` holding "${": Kafka Connect expands ${provider:...} in connector configs (e.g. ${env:...}, ${file:...}). */
export function configReferences(value: unknown, at = 'config'): string[] {
  if (typeof value === 'string') return value.includes('${') ? [at] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => configReferences(v, `${at}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => configReferences(v, `${at}.${k}`));
  return [];
}

/** Every reason the worker refuses this inline config (empty: admitted). `known` = pair names of the pairs file. */
export function inlineProblems(config: PairConfig, policy: InlinePolicy, known: ReadonlySet<string>): string[] {
  if (!policy.allowed) {
    return [
      `inline pair configs are off on this worker (${INLINE_ENV.allow} is not set): start the run with "pair" naming a pair of the worker's pairs file`,
    ];
  }
  const problems: string[] = [];
  if (known.has(config.name)) {
    problems.push(
      `config.name: pair "${config.name}" is defined in the worker's pairs file; start with {"pair": "${config.name}"} (an inline config may not replace it)`,
    );
  }
  for (const at of configReferences(config)) {
    problems.push(
      `${at}: contains "\${", which Kafka Connect would expand (\${env:...}, \${file:...}) into the worker's secrets: remove it`,
    );
  }
  const check = (at: string, host: string) => {
    if (!hostAllowed(host, policy.hosts)) {
      problems.push(
        `${at}: host ${host} is not on the worker's allow-list for inline configs (${INLINE_ENV.hosts}=${policy.hosts.join(',') || '(empty)'})`,
      );
    }
  };
  for (const side of ['primary', 'secondary'] as const) {
    const c = config[side];
    c.bootstrapServers.forEach((b, i) => check(`config.${side}.bootstrapServers[${i}]`, hostOf(b)));
    check(`config.${side}.endpointHost`, c.endpointHost);
    if (c.provider === 'apsaramq' && !policy.instances.includes(`${c.region}/${c.instanceId}`)) {
      problems.push(
        `config.${side}.instanceId: instance ${c.region}/${c.instanceId} is not on the worker's allow-list for inline configs ` +
          `(${INLINE_ENV.instances}, entries "<region>/<instanceId>"): the worker's AccessKey would act on it`,
      );
    }
    const s = c.security;
    for (const field of ['usernameEnv', 'passwordEnv'] as const) {
      const name = s?.[field];
      if (name !== undefined && !name.startsWith(policy.secretPrefix)) {
        problems.push(
          `config.${side}.security.${field}: ${name} does not start with ${policy.secretPrefix}: inline configs may only name the ` +
            `worker's variables meant for them (${INLINE_ENV.secretPrefix}), e.g. ${policy.secretPrefix}${side.toUpperCase()}_SASL_${field === 'usernameEnv' ? 'USERNAME' : 'PASSWORD'}`,
        );
      }
    }
    if (s?.caFile !== undefined && !caFileAdmitted(s.caFile, policy.caDirs)) {
      problems.push(
        `config.${side}.security.caFile: not admitted: an inline config may name only a readable PEM file of CA certificates ` +
          `under a directory of the worker's ${INLINE_ENV.caDirs}; ask the worker's operator, or use a pair of the pairs file`,
      );
    }
  }
  if (config.replication.connectUrl) {
    const url = connectUrlHost(config.replication.connectUrl);
    if ('problem' in url) problems.push(`config.replication.connectUrl: ${url.problem}`);
    else check('config.replication.connectUrl', url.host);
  }
  config.dns.resolvers.forEach((r, i) => check(`config.dns.resolvers[${i}]`, hostOf(r)));
  check('config.dns (the custom domain)', customDomain(config));
  return problems;
}
