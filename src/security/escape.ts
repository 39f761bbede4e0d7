// Text from a run's input, from a signal or from a cluster is data, never markup: one escaper per sink.
// Whoever can start a workflow or send a signal chooses requester and approver names, the workflow id and
// (through the clusters) error texts, and these reach DingTalk Markdown, Slack mrkdwn, terminals and the audit
// trail. Pure (no I/O, no Node built-ins): workflow code uses it too.
//   CommonMark backslash escapes: https://spec.commonmark.org/0.31.2/#backslash-escapes
//   Slack, escaping text: https://api.slack.com/reference/surfaces/formatting#escaping
//   ECMA-48 control functions (C0, C1, CSI): https://ecma-international.org/publications-and-standards/standards/ecma-48/

/**
 * C0 controls, DEL, C1 controls (U+009B is CSI on 8-bit terminals), line/paragraph separators and the bidi
 * embedding, override and isolate controls (text that reads differently than it is stored).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function codeOf(c: string): string {
  return `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/** Every control character written as a visible \uXXXX escape: ESC [ 31m shows as "\u001b[31m", never as red. */
export function escapeControls(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, codeOf);
}

/** For a terminal: control characters escaped (an ANSI sequence cannot move the cursor, recolour or retitle). */
export function terminalText(text: string, keepNewlines = true): string {
  return escapeControls(text, keepNewlines);
}

/** One line, control characters escaped, at most `max` characters: what the audit trail stores of untrusted text. */
export function storedText(text: string, max: number): string {
  const flat = escapeControls(text.replace(/[\t\n\r\u2028\u2029]+/g, ' '))
    .replace(/ {2,}/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, Math.max(0, max - 3))}...` : flat;
}

/** Every character that can open inline markup mid-line. */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()<>#!|~&]/g;

/**
 * Literal text inside CommonMark (DingTalk's Markdown): markup characters are backslash-escaped, so nothing
 * becomes a link, an image, emphasis, code, HTML or a table cell; whitespace is flattened, so nothing starts a
 * block (heading, list, quote, fence).
 */
export function markdownText(text: string): string {
  // "http\\://" is no autolink: a URL in someone's text shows as text, not as a link to follow.
  return escapeControls(text.replace(/\s+/g, ' '))
    .replace(MARKDOWN_SPECIAL, (c) => `\\${c}`)
    .replace(/:\/\//g, '\\://');
}

/**
 * Literal text inside Slack mrkdwn: &, < and > as entities, as Slack asks, so no <url|label> link and no
 * <!channel> mention can be written (emphasis characters stay: they cannot link or page anyone).
 */
export function slackText(text: string): string {
  return escapeControls(text.replace(/\s+/g, ' ')).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Names that may go into a command people copy into a shell: letters, digits and . _ : - only, starting with a
 * letter or digit, at most 200 (a workflow id, a pair, a step, a plan id). Anything else is replaced by a
 * placeholder by the caller, never quoted: quoting rules differ between shells, a placeholder does not.
 */
const SAFE_IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

export function isSafeIdentifier(name: string | undefined): name is string {
  return typeof name === 'string' && SAFE_IDENTIFIER.test(name);
}
