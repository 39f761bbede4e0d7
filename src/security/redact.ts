// What a remote service answered, as it may be stored: step errors, audit notes and notification outcomes end up
// in the workflow history, which everyone with access to Temporal reads. A body is never stored raw: a webhook
// answering 401 may echo the request's headers (the bearer token), a Kafka Connect error may quote a connector
// config or a stack trace. Kept: the status and a short excerpt with credentials removed. Pure.
import { escapeControls } from './escape';

export const EXCERPT_MAX = 160;
const REDACTED = '[redacted]';

/** key=value / "key": "value" / key: value where the key names a credential. */
const SECRET_KEYS =
  '(?:access[_-]?token|refresh[_-]?token|token|secret|password|passwd|pwd|sign(?:ature)?|api[_-]?key|access[_-]?key(?:[_-]?(?:id|secret))?|client[_-]?secret|credentials?|cookie|x-api-key|x-auth-token)';
const RULES: [RegExp, string][] = [
  // Authorization / Proxy-Authorization headers, whatever the scheme ("Bearer x", "Basic x", a bare token).
  [/\b((?:proxy-)?authorization)("?\s*[:=]\s*"?)(?:(?:bearer|basic|digest|token)\s+)?[^\s",;}]+/gi, `$1$2${REDACTED}`],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  [
    new RegExp(`("?\\b[\\w.-]*${SECRET_KEYS}[\\w.-]*"?\\s*[:=]\\s*)("[^"]*"|'[^']*'|[^\\s,;&}]+)`, 'gi'),
    `$1${REDACTED}`,
  ],
  // URLs: their query strings carry tokens (DingTalk's access_token and sign), their userinfo passwords.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, `$1${REDACTED}@`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"']*)\?[^\s#"']*/gi, `$1?${REDACTED}`],
  // Slack webhook paths are the token itself (hooks.slack.com/services/T.../B.../<secret>).
  [/(\/services\/)[^\s"']+/gi, `$1${REDACTED}`],
  // Private keys and certificates-with-keys in PEM.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
];

/** Long opaque strings (tokens, keys, signatures): 32+ base64/hex characters with a digit ("-" and "/" end a run, so names and paths stay). */
const OPAQUE = /[A-Za-z0-9+_]{32,}={0,2}/g;

/**
 * Removes credentials from `text`: every value in `known` (the secrets the caller sent: URL, token, signing
 * secret) wherever it appears, and whatever looks like one (see RULES).
 */
export function redact(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of known) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.replace(OPAQUE, (run) => (/\d/.test(run) && /[A-Za-z]/.test(run) ? REDACTED : run));
}

/** One line, redacted, control characters escaped, at most `max` characters. */
export function excerpt(text: string, known: readonly (string | undefined)[] = [], max = EXCERPT_MAX): string {
  // Redact before cutting, so a cut can never leave the first half of a secret behind.
  const flat = escapeControls(redact(text.replace(/\s+/g, ' ').trim(), known));
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** "HTTP 401: <excerpt>" — what is stored of a remote service's error answer. */
export function remoteAnswer(
  status: number,
  body: string,
  known: readonly (string | undefined)[] = [],
  max = EXCERPT_MAX,
): string {
  const text = excerpt(body, known, max);
  return `HTTP ${status}${text ? `: ${text}` : ''}`;
}
