// The import graph of daemons/ and webui/ has no cycle, type-only imports included: files that
// import each other cannot be read, tested or moved one at a time. Every relative import,
// re-export and `import('...')` type reference counts.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/cluster.ts';

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Comments are dropped so that an import mentioned in prose draws no edge. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** file -> the files of the tree it imports. */
export function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = new Set<string>();
    for (const m of withoutComments(readFileSync(file, 'utf8')).matchAll(SPECIFIER)) {
      const base = path.resolve(path.dirname(file), m[1]!);
      const target = [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((p) => known.has(p) && existsSync(p));
      if (target && target !== file) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The strongly connected components with more than one file (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

test('the cycle finder finds a loop of three and ignores a chain', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['d']],
  ]);
  assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
  assert.deepEqual(
    cycles(
      new Map([
        ['x', ['y']],
        ['y', []],
      ]),
    ),
    [],
  );
});

test('no import cycle under daemons/ and webui/src/, type-only imports included', () => {
  const files = [...sourceFiles(path.join(ROOT, 'daemons')), ...sourceFiles(path.join(ROOT, 'webui', 'src'))];
  const graph = importGraph(files);
  assert.ok(graph.size > 100, `read ${graph.size} files`);
  assert.ok(
    [...graph.values()].some((t) => t.length > 0),
    'imports were found',
  );
  const rel = (f: string) => path.relative(ROOT, f);
  assert.deepEqual(
    cycles(graph).map((c) => c.map(rel)),
    [],
  );
});
