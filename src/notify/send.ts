// Delivers one message to one target: reads the URL and secrets from the worker's environment (the config holds
// only their names), retries a few times, and reports failures without the URL (it carries the token).
import type { NotifyTarget } from '../config/notify';
import { targetLabel } from '../config/notify';
import { dingTalkError, signedDingTalkUrl } from './dingtalk';
import type { EventOrigin, KdrEvent } from './events';
import { remoteAnswer, excerpt } from '../security/redact';
import { plainTitle, renderMessage, type Message } from './messages';

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
export async function deliver(
  target: NotifyTarget,
  message: Message,
  event: KdrEvent,
  origin: EventOrigin,
  o: SendOptions,
): Promise<string | undefined> {
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

async function post(
  target: NotifyTarget,
  message: Message,
  event: KdrEvent,
  origin: EventOrigin,
  o: SendOptions,
): Promise<void> {
  const url = variable(o.env, target.urlEnv, 'webhook URL');
  if (!/^https?:\/\//.test(url)) throw new NotifyError(`${target.urlEnv} does not hold an http(s) URL`);
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  // Everything secret this post carries: removed from whatever the receiver answers before it is stored.
  const secrets: string[] = [url];
  let to = url;
  let body: unknown;
  if (target.type === 'dingtalk') {
    const secret = variable(o.env, target.secretEnv, 'signing secret');
    to = signedDingTalkUrl(url, secret, (o.now ?? Date.now)());
    secrets.push(secret, to, ...tokensOf(to));
    body = { msgtype: 'markdown', markdown: { title: plainTitle(message), text: renderMessage(message, 'markdown') } };
  } else if (target.type === 'slack') {
    body = { text: renderMessage(message, 'slack') };
  } else {
    if (target.tokenEnv) {
      const token = variable(o.env, target.tokenEnv, 'bearer token');
      secrets.push(token);
      headers.authorization = `Bearer ${token}`;
    }
    body = {
      source: 'kafka-dr',
      ...event,
      origin,
      title: plainTitle(message),
      text: renderMessage(message, 'plain'),
      commands: message.commands,
    };
  }
  secrets.push(...tokensOf(url));
  const response = await fetch(to, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
  });
  const text = await response.text().catch(() => '');
  // Never the body as it came: a 401 may echo the request's headers (the bearer token) or its URL (the token).
  if (!response.ok) throw new NotifyError(remoteAnswer(response.status, text, secrets));
  if (target.type === 'dingtalk') {
    const refused = dingTalkError(text);
    if (refused) throw new NotifyError(excerpt(refused, secrets));
  }
}

/** The URL's path segments and query values long enough to be tokens (Slack's path, DingTalk's access_token). */
function tokensOf(url: string): string[] {
  try {
    const u = new URL(url);
    return [...u.pathname.split('/'), ...u.searchParams.values()].filter((v) => v.length >= 8);
  } catch {
    return [];
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
