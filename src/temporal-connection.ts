// One place that decides how kafka-dr reaches Temporal: the standard TEMPORAL_* environment variables
// (address, namespace, TLS, API key, profile file) through @temporalio/envconfig, and the local stack's dev server
// when nothing is set.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { local } from './local-stack';

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const config = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const connectionOptions = { ...config.connectionOptions };
  if (!env.TEMPORAL_ADDRESS && !env.TEMPORAL_PROFILE && !env.TEMPORAL_CONFIG_FILE) connectionOptions.address = local.temporalAddress;
  return {
    address: connectionOptions.address ?? local.temporalAddress,
    namespace: config.namespace ?? env.TEMPORAL_NAMESPACE ?? local.namespace,
    connectionOptions,
  };
}
