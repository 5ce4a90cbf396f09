// A reproducible jar writer for the mesos-java subpackage. The JDK's `jar` stamps entries
// with the current time and its own manifest; this one writes entries in a fixed order with
// the release date, so two builds give the same bytes.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crc32, deflateRawSync } from 'node:zlib';

export interface JarEntry {
  /** Path inside the jar, '/'-separated; directories end with '/'. */
  name: string;
  data: Buffer;
}

/** MS-DOS date and time fields of a zip entry, from seconds since the epoch (UTC). */
export function dosDateTime(epochSeconds: number): { date: number; time: number } {
  const d = new Date(epochSeconds * 1000);
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
  };
}

export function manifest(attributes: Record<string, string>): Buffer {
  const lines = Object.entries({ 'Manifest-Version': '1.0', ...attributes }).map(([k, v]) => `${k}: ${v}\r\n`);
  return Buffer.from(`${lines.join('')}\r\n`, 'utf8');
}

/**
 * Orders entries the way jar readers expect: META-INF/ and its MANIFEST.MF first (JarInputStream
 * only finds a manifest there), then everything else by name.
 */
export function jarOrder(entries: JarEntry[]): JarEntry[] {
  const rank = (name: string): number => (name === 'META-INF/' ? 0 : name === 'META-INF/MANIFEST.MF' ? 1 : 2);
  return [...entries].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function zip(entries: JarEntry[], epochSeconds: number): Buffer {
  const { date, time } = dosDateTime(epochSeconds);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of jarOrder(entries)) {
    const name = Buffer.from(entry.name, 'utf8');
    const isDir = entry.name.endsWith('/');
    const body = isDir ? Buffer.alloc(0) : deflateRawSync(entry.data, { level: 9 });
    const method = isDir ? 0 : 8;
    const crc = isDir ? 0 : crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, zip 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: 0
    const mode = isDir ? 0o40755 : 0o100644;
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

async function collect(dir: string, prefix = ''): Promise<JarEntry[]> {
  const out: JarEntry[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const full = path.join(dir, name);
    const inJar = `${prefix}${name}`;
    if ((await stat(full)).isDirectory()) {
      out.push({ name: `${inJar}/`, data: Buffer.alloc(0) }, ...(await collect(full, `${inJar}/`)));
    } else {
      out.push({ name: inJar, data: await readFile(full) });
    }
  }
  return out;
}

export async function writeJar(classesDir: string, output: string, version: string, epochSeconds: number): Promise<void> {
  const entries = (await collect(classesDir)).filter((e) => !e.name.startsWith('META-INF/MANIFEST.MF'));
  if (!entries.some((e) => e.name.endsWith('.class'))) throw new Error(`${classesDir} holds no .class file`);
  if (!entries.some((e) => e.name === 'META-INF/')) entries.push({ name: 'META-INF/', data: Buffer.alloc(0) });
  entries.push({
    name: 'META-INF/MANIFEST.MF',
    data: manifest({ 'Created-By': 'mesos-ts packaging', 'Implementation-Title': 'mesos', 'Implementation-Version': version }),
  });
  await writeFile(output, zip(entries, epochSeconds));
}

function releaseEpoch(): number {
  const value = process.env['SOURCE_DATE_EPOCH'];
  if (!value || !/^\d+$/.test(value)) throw new Error('SOURCE_DATE_EPOCH must be set to the release date (seconds)');
  return Number(value);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { classes: { type: 'string' }, output: { type: 'string' }, version: { type: 'string' } },
    strict: true,
  });
  if (!values.classes || !values.output || !values.version) {
    process.stderr.write('usage: jar.ts --classes DIR --output FILE.jar --version VERSION\n');
    process.exit(2);
  }
  writeJar(values.classes, values.output, values.version, releaseEpoch()).catch((err: unknown) => {
    process.stderr.write(`jar: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
