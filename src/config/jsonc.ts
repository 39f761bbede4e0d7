// JSON with comments (// and /* */) and trailing commas, as config files are written by people. jsonc-parser's
// scanner (the one VS Code reads settings with) splits the text into tokens; comments become spaces and a trailing
// comma a space, so the text left is plain JSON of the same length and lines. JSON.parse then builds the value,
// which keeps its semantics exactly (a "__proto__" key is an own property, nesting of any depth is read without
// recursion) and its positions point at the right line and column of the file.
import { createScanner, SyntaxKind } from 'jsonc-parser';

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

const blank = (token: string): string => token.replace(/[^\n]/g, ' ');

export function stripJsonc(text: string): string {
  const scanner = createScanner(text, false);
  const out: string[] = [];
  let comma = -1; // index in `out` of a comma not yet followed by a value, or -1
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    const token = text.slice(scanner.getTokenOffset(), scanner.getTokenOffset() + scanner.getTokenLength());
    switch (kind) {
      case SyntaxKind.LineCommentTrivia:
      case SyntaxKind.BlockCommentTrivia:
        out.push(blank(token));
        break;
      case SyntaxKind.Trivia:
      case SyntaxKind.LineBreakTrivia:
        out.push(token);
        break;
      case SyntaxKind.CloseBraceToken:
      case SyntaxKind.CloseBracketToken:
        if (comma >= 0) out[comma] = ' ';
        comma = -1;
        out.push(token);
        break;
      case SyntaxKind.CommaToken:
        comma = out.length;
        out.push(token);
        break;
      default:
        comma = -1;
        out.push(token);
    }
  }
  return out.join('');
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
