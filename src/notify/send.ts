// Delivers one message to one target: reads the URL and secrets from the worker's environment (the config holds
// only their names), retries a few times, and reports failures without the URL (it carries the token).
import type { NotifyTarget } from '../config/notify';
import { targetLabel } from '../config/notify';
import { dingTalkError, signedDingTalkUrl } from './dingtalk';
import type { EventOrigin, KdrEvent } from './events';
import { asMarkdown, asPlainText, type Message } from './messages';

export interface SendOptions {
  env: NodeJS.ProcessEnv;
  attempts?: number;
  /** Before attempt n+1: backoffMs * 2^(n-1). */
  backoffMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export class NotifyError extends Error {
  override name = 'NotifyError';
}

/** undefined when delivered; otherwise why not, after every attempt. */
export async function deliver(target: NotifyTarget, message: Message, event: KdrEvent, origin: EventOrigin, o: SendOptions): Promise<string | undefined> {
  const attempts = o.attempts ?? 3;
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await post(target, message, event, origin, o);
      return undefined;
    } catch (err) {
      last = err instanceof NotifyError ? err.message : describe(err);
      // A missing variable will not appear between attempts: say so at once.
      if (err instanceof NotifyError && /is not set/.test(err.message)) break;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, (o.backoffMs ?? 500) * 2 ** (attempt - 1)));
    }
  }
  return `${targetLabel(target)}: ${last}`;
}

async function post(target: NotifyTarget, message: Message, event: KdrEvent, origin: EventOrigin, o: SendOptions): Promise<void> {
  const url = variable(o.env, target.urlEnv, 'webhook URL');
  if (!/^https?:\/\//.test(url)) throw new NotifyError(`${target.urlEnv} does not hold an http(s) URL`);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  let to = url;
  let body: unknown;
  if (target.type === 'dingtalk') {
    to = signedDingTalkUrl(url, variable(o.env, target.secretEnv, 'signing secret'), (o.now ?? Date.now)());
    body = { msgtype: 'markdown', markdown: { title: message.title, text: asMarkdown(message) } };
  } else if (target.type === 'slack') {
    // Slack's mrkdwn: *bold*, not **bold**.
    body = { text: asMarkdown(message).replace(/\*\*/g, '*').replace(/^### (.*)$/m, '*$1*') };
  } else {
    if (target.tokenEnv) headers.authorization = `Bearer ${variable(o.env, target.tokenEnv, 'bearer token')}`;
    body = { source: 'kafka-dr', ...event, origin, title: message.title, text: asPlainText(message), commands: message.commands };
  }
  const response = await fetch(to, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new NotifyError(`HTTP ${response.status}${text ? `: ${clip(text)}` : ''}`);
  if (target.type === 'dingtalk') {
    const refused = dingTalkError(text);
    if (refused) throw new NotifyError(refused);
  }
}

function variable(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new NotifyError(`${name} is not set in the worker's environment (the ${what})`);
  return value;
}

/** fetch's own errors name the host at most (never the path or query, where tokens live). */
function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    if (err.name === 'TimeoutError') return 'no answer within the timeout';
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
