// `--help` text: flags sorted by name as stout lists them, each with its help, allowed values and
// default (or what the program computes when there is no fixed default).
import type { FlagDef } from './types.ts';

const MAX_NAME_COLUMN = 34;
const LINE_WIDTH = 100;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.trim().split(/\s+/)) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines;
}

function spelling(def: FlagDef): string {
  const one = (name: string): string => (def.type === 'bool' ? `--[no-]${name}` : `--${name}=VALUE`);
  return [def.name, ...(def.aliases ?? [])].map(one).join(', ');
}

function notes(def: FlagDef): string {
  const parts: string[] = [];
  if (def.required) parts.push('required');
  const allowed = (def.schema as { enum?: unknown } | undefined)?.enum;
  if (Array.isArray(allowed)) parts.push(`one of: ${allowed.join(', ')}`);
  if (def.default !== undefined) parts.push(`default: ${def.default === '' ? "''" : def.default}`);
  else if (def.defaultHelp !== undefined) parts.push(`default: ${def.defaultHelp}`);
  if (def.deprecated !== undefined) parts.push(`deprecated: ${def.deprecated}`);
  if (def.inert !== undefined) parts.push(`no effect here: ${def.inert}`);
  return parts.length === 0 ? '' : `(${parts.join('; ')})`;
}

/**
 * The full help text. `usage` follows the program name on the first line ('[options]' when
 * empty); every definition is listed, then `--help` and `--version`.
 */
export function formatHelp(progName: string, usage: string, defs: readonly FlagDef[]): string {
  const rows: [string, string, string][] = [...defs]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((def) => [`  ${spelling(def)}`, def.help, notes(def)]);
  rows.push(['  -h, --help', 'Print this help and exit.', ''], ['  --version', 'Print the version and exit.', '']);

  const width = Math.min(MAX_NAME_COLUMN, Math.max(...rows.map(([name]) => name.length))) + 2;
  const textWidth = Math.max(40, LINE_WIDTH - width);
  const indent = ' '.repeat(width);
  const lines = [`Usage: ${progName} ${usage.trim() || '[options]'}`, ''];
  for (const [name, help, note] of rows) {
    const textLines = wrap(help, textWidth);
    // The note stays in one piece so '(default: 15secs)' can be found on one line.
    const last = textLines.length - 1;
    if (note !== '' && textLines[last]!.length + 1 + note.length <= textWidth) textLines[last] += ` ${note}`;
    else if (note !== '') textLines.push(note);
    if (name.length + 2 > width) lines.push(name);
    else lines.push(`${name.padEnd(width)}${textLines.shift() ?? ''}`);
    for (const line of textLines) lines.push(`${indent}${line}`);
  }
  return `${lines.join('\n')}\n`;
}
