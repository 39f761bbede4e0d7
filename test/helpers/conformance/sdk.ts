// The oracle: Alibaba Cloud's official generated Python SDKs, installed on demand (stack/install.ts) and read by
// sdk_model.py (request params with placement and encoding, response models) or driven by official_client.py.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { CloudProduct } from '../../../src/cloud';
import { installAlicloudSdks } from '../../../stack/install';

export interface SdkType {
  kind: 'string' | 'integer' | 'number' | 'boolean' | 'any' | 'list' | 'map' | 'model';
  items?: SdkType;
  ref?: string;
  /** Valid values, where the model's docstring lists them. */
  values?: string[];
  docMentionsJson?: boolean;
  /** The docstring says "This parameter is required." */
  required?: boolean;
  attr?: string;
}
export interface SdkParam {
  name: string;
  placement: 'query' | 'body' | 'headers';
  encoding: string;
  type: SdkType;
}
export interface SdkAction {
  requestModel: string;
  responseModel: string;
  method: string;
  style: string;
  params: SdkParam[];
}
export interface SdkProduct {
  version: string;
  actions: Record<string, SdkAction>;
  models: Record<string, { fields: Record<string, SdkType> }>;
}
export interface SdkModel {
  versions: Record<string, string>;
  products: Record<CloudProduct, SdkProduct>;
}

export const here = __dirname;

let python: string | undefined;
/** The SDK venv's python, installed the first time (pip from PyPI, pinned versions; about half a minute). */
export function sdkPython(): string {
  python ??= installAlicloudSdks((line) => console.log(`  ${line}`));
  return python;
}

export function runPython(script: string, args: string[], input?: string): string {
  const r = spawnSync(sdkPython(), [path.join(here, script), ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error || r.status !== 0)
    throw new Error(`${script} failed (exit ${r.status}): ${r.error?.message ?? ''}${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

/** Like runPython, without blocking the event loop: the emulator it talks to may run in this process. */
export async function runPythonAsync(
  script: string,
  args: string[],
  input: string,
  timeoutMs = 300_000,
): Promise<string> {
  const child = spawn(sdkPython(), [path.join(here, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`${script} failed (exit ${code}): ${stderr.slice(-3000)}`);
  return stdout;
}

let model: SdkModel | undefined;
export function officialModel(): SdkModel {
  model ??= JSON.parse(runPython('sdk_model.py', [])) as SdkModel;
  return model;
}
