// JSON with comments (// and /* */) and trailing commas, as config files are written by people.
// Comments become spaces, so JSON.parse positions still point at the right line and column.

export class JsoncSyntaxError extends Error {
  override name = 'JsoncSyntaxError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export function stripJsonc(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  // Trailing commas before } or ] (outside strings, which were copied verbatim above and contain no bare , } ]
  // sequences that could confuse this, because the regex only sees whitespace between the comma and the bracket).
  return blankTrailingCommas(out);
}

function blankTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[++i] ?? '';
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      if (text[j] === '}' || text[j] === ']') {
        out += ' ';
        continue;
      }
    }
    out += c;
  }
  return out;
}

export function parseJsonc(text: string): unknown {
  const json = stripJsonc(text);
  try {
    return JSON.parse(json);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    const offset = pos ? Number(pos[1]) : json.length;
    const before = json.slice(0, offset).split('\n');
    const line = before.length;
    const column = before[before.length - 1].length + 1;
    throw new JsoncSyntaxError(
      `line ${line}, column ${column}: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
      line,
      column,
    );
  }
}
