// Agent attributes (`--attributes=rack:r1;zone:z1;cores:8;ports:[1-10]`), parsed as Mesos does:
// a number is SCALAR, `[a-b,...]` is RANGES, `{a,b}` is SET, anything else TEXT.
import type { Attribute, Range } from './mesos.ts';

export class AttributeError extends Error {}

function parseRanges(text: string, whole: string): Range[] {
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (!m) throw new AttributeError(`invalid attribute '${whole}': '${part.trim()}' is not a range like 1000-2000`);
    const begin = Number(m[1]);
    const end = Number(m[2]);
    if (begin > end) throw new AttributeError(`invalid attribute '${whole}': range ${begin}-${end} ends before it begins`);
    return { begin, end };
  });
}

export function parseAttributes(text: string): Attribute[] {
  const out: Attribute[] = [];
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new AttributeError(`invalid attribute '${entry}': expected name:value (e.g. rack:r1)`);
    const name = entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    if (value === '') throw new AttributeError(`invalid attribute '${entry}': the value is empty`);
    if (out.some((a) => a.name === name)) throw new AttributeError(`invalid attribute '${entry}': '${name}' is given twice`);
    if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(value)) out.push({ name, type: 'SCALAR', scalar: { value: Number(value) } });
    else if (value.startsWith('[') && value.endsWith(']')) out.push({ name, type: 'RANGES', ranges: { range: parseRanges(value, entry) } });
    else if (value.startsWith('{') && value.endsWith('}')) {
      const items = value
        .slice(1, -1)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      out.push({ name, type: 'SET', set: { item: items } });
    } else out.push({ name, type: 'TEXT', text: { value } });
  }
  return out;
}

/**
 * Attributes as the state endpoints write them (model(Attributes) in Mesos's
 * src/common/http.cpp): name -> a scalar's number, or the text, ranges (`[1-10, 20-30]`) or set
 * (`{a, b}`) as a string.
 */
export function attributesJson(attributes: readonly Attribute[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attributes) {
    if (a.type === 'SCALAR' && a.scalar) out[a.name] = a.scalar.value;
    else if (a.type === 'TEXT' && a.text) out[a.name] = a.text.value;
    else if (a.type === 'RANGES' && a.ranges) out[a.name] = `[${(a.ranges.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else if (a.type === 'SET' && a.set) out[a.name] = `{${(a.set.item ?? []).join(', ')}}`;
  }
  return out;
}
