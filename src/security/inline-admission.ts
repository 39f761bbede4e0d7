// Inline pair configs ({"config": {...}} in a run's input) let whoever can start a workflow choose hosts and
// secret names the worker will use. They are OFF unless the worker's environment allows them (the local stack
// and the tests do); when allowed, every host must be on the worker's allow-list and every secret variable
// name must carry the worker's secret prefix, so no input can make the worker send its own AccessKey (or any
// other variable) to a host of the starter's choosing.
import { customDomain, type PairConfig } from '../config';
import { urlHost } from '../config/fields';

export const INLINE_ENV = {
  allow: 'KDR_ALLOW_INLINE_CONFIG',
  hosts: 'KDR_INLINE_ALLOWED_HOSTS',
  secretPrefix: 'KDR_SECRET_ENV_PREFIX',
} as const;

export const DEFAULT_SECRET_PREFIX = 'KDR_SECRET_';

export interface InlinePolicy {
  allowed: boolean;
  /** Exact host names / IP addresses, or "*.suffix" for every name under suffix. */
  hosts: string[];
  secretPrefix: string;
}

export function inlinePolicyFrom(env: NodeJS.ProcessEnv): InlinePolicy {
  return {
    allowed: /^(1|true|yes)$/i.test(env[INLINE_ENV.allow] ?? ''),
    hosts: (env[INLINE_ENV.hosts] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    secretPrefix: env[INLINE_ENV.secretPrefix] || DEFAULT_SECRET_PREFIX,
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

/** Every reason the worker refuses this inline config (empty: admitted). `known` = pair names of the pairs file. */
export function inlineProblems(config: PairConfig, policy: InlinePolicy, known: ReadonlySet<string>): string[] {
  if (!policy.allowed) {
    return [`inline pair configs are off on this worker (${INLINE_ENV.allow} is not set): start the run with "pair" naming a pair of the worker's pairs file`];
  }
  const problems: string[] = [];
  if (known.has(config.name)) {
    problems.push(`config.name: pair "${config.name}" is defined in the worker's pairs file; start with {"pair": "${config.name}"} (an inline config may not replace it)`);
  }
  const check = (path: string, host: string) => {
    if (!hostAllowed(host, policy.hosts)) {
      problems.push(`${path}: host ${host} is not on the worker's allow-list for inline configs (${INLINE_ENV.hosts}=${policy.hosts.join(',') || '(empty)'})`);
    }
  };
  for (const side of ['primary', 'secondary'] as const) {
    config[side].bootstrapServers.forEach((b, i) => check(`config.${side}.bootstrapServers[${i}]`, hostOf(b)));
    check(`config.${side}.endpointHost`, config[side].endpointHost);
    const s = config[side].security;
    for (const field of ['usernameEnv', 'passwordEnv'] as const) {
      const name = s?.[field];
      if (name !== undefined && !name.startsWith(policy.secretPrefix)) {
        problems.push(`config.${side}.security.${field}: ${name} does not start with ${policy.secretPrefix}: inline configs may only name the ` +
          `worker's variables meant for them (${INLINE_ENV.secretPrefix}), e.g. ${policy.secretPrefix}${side.toUpperCase()}_SASL_${field === 'usernameEnv' ? 'USERNAME' : 'PASSWORD'}`);
      }
    }
  }
  if (config.replication.connectUrl) check('config.replication.connectUrl', urlHost(config.replication.connectUrl));
  config.dns.resolvers.forEach((r, i) => check(`config.dns.resolvers[${i}]`, hostOf(r)));
  check('config.dns (the custom domain)', customDomain(config));
  return problems;
}
