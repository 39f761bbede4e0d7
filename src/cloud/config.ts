// Where the cloud layer gets its credentials, endpoints and timeout: the worker's environment only, so secrets
// never travel through workflow inputs or history.
import { CloudConfigError, type CloudProduct } from './errors';

export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export type Env = Record<string, string | undefined>;

export const API_VERSIONS: Record<CloudProduct, string> = {
  alikafka: '2019-09-16',
  alidns: '2015-01-09',
  eventbridge: '2020-04-01',
};

const ENDPOINT_ENV: Record<CloudProduct, string> = {
  alikafka: 'KDR_ALIKAFKA_ENDPOINT',
  alidns: 'KDR_ALIDNS_ENDPOINT',
  eventbridge: 'KDR_EVENTBRIDGE_ENDPOINT',
};

const DEFAULT_ENDPOINT: Record<CloudProduct, string> = {
  alikafka: 'https://alikafka.{region}.aliyuncs.com',
  alidns: 'https://alidns.aliyuncs.com',
  eventbridge: 'https://eventbridge-console.{region}.aliyuncs.com',
};

export const DEFAULT_TIMEOUT_MS = 10_000;

export function loadCredentials(env: Env = process.env): CloudCredentials {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) {
      throw new CloudConfigError(
        `${name} is not set: export the AccessKey ${name.endsWith('_ID') ? 'id' : 'secret'} of a RAM user in the worker's environment`,
      );
    }
    return value;
  };
  const accessKeyId = need('ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = need('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined;
  return { accessKeyId, accessKeySecret, securityToken };
}

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

export function assertRegion(region: string): void {
  if (!REGION.test(region)) {
    throw new CloudConfigError(`region "${region}" is not an Alibaba Cloud region id: use a value like cn-hangzhou`);
  }
}

/** The endpoint URL for a product (and region), honouring KDR_<PRODUCT>_ENDPOINT overrides with `{region}`. */
export function endpointFor(product: CloudProduct, region: string | undefined, env: Env = process.env): string {
  const override = env[ENDPOINT_ENV[product]];
  const template = override && override.trim() !== '' ? override.trim() : DEFAULT_ENDPOINT[product];
  if (!/^https?:\/\//.test(template)) {
    throw new CloudConfigError(`${ENDPOINT_ENV[product]}=${template} must start with http:// or https://`);
  }
  if (template.includes('{region}')) {
    if (!region) throw new CloudConfigError(`${product} needs a region for endpoint ${template}`);
    assertRegion(region);
    return template.replace(/\{region\}/g, region).replace(/\/+$/, '');
  }
  return template.replace(/\/+$/, '');
}

export function timeoutFrom(env: Env = process.env): number {
  const raw = env.KDR_CLOUD_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new CloudConfigError(`KDR_CLOUD_TIMEOUT_MS=${raw} is not a positive integer number of milliseconds`);
  }
  return n;
}
