// Text from people and from the clusters (operator names, notes, group names) goes into the run's Markdown
// details as literal text: every character Markdown or HTML could read as markup is escaped, and whitespace
// is flattened so nothing can start a new block (a heading, a table row, a fake "approved" line).

/** Inline markup (emphasis, code, links, images, HTML, tables, strike-through, entities); block markup cannot start mid-line. */
const SPECIAL = /[\\`*_[\]<>|~&]/g;

export function escapeMarkdown(text: string): string {
  return text.replace(/\s+/g, ' ').replace(SPECIAL, (c) => `\\${c}`);
}

/** Escaped, flattened and cut to `max` characters (for table cells and one-line lists). */
export function mdCell(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ');
  return escapeMarkdown(flat.length > max ? `${flat.slice(0, max - 1)}…` : flat);
}
