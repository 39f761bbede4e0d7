// One place that decides how kafka-dr reaches Temporal: the standard TEMPORAL_* environment variables
// (address, namespace, TLS, API key, profile file) through @temporalio/envconfig, and a dev server on this
// machine's default port when nothing is set.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { DEFAULT_NAMESPACE, DEFAULT_TEMPORAL_ADDRESS } from '../workflows/contract';

export interface TemporalTarget {
  address: string;
  namespace: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export function temporalTarget(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const config = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const connectionOptions = { ...config.connectionOptions };
  if (!env.TEMPORAL_ADDRESS && !env.TEMPORAL_PROFILE && !env.TEMPORAL_CONFIG_FILE)
    connectionOptions.address = DEFAULT_TEMPORAL_ADDRESS;
  return {
    address: connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: config.namespace ?? env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE,
    connectionOptions,
  };
}
