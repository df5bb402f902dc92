/**
 * The layers point one way: api/, workers/, cli/ → workflows/, activities/ → lib/.
 * A module imports only from its own layer or the ones below it, so lib/ can be
 * read (and reused) without the orchestration above it, and workflow code never
 * pulls in the API or the worker's processes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot as findRoot } from '../../lib/project-root.js';

const projectRoot = findRoot(import.meta.url);

const LAYER: Record<string, number> = {
  lib: 0,
  workflows: 1,
  activities: 1,
  api: 2,
  workers: 2,
  cli: 2,
};

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

const topOf = (file: string) => relative(projectRoot, file).split('/')[0]!;

describe('layers', () => {
  it('no module imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const top of Object.keys(LAYER)) {
      for (const file of sources(join(projectRoot, top))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
          const target = topOf(resolve(dirname(file), m[1]!));
          const own = LAYER[top]!;
          const theirs = LAYER[target];
          if (theirs !== undefined && theirs > own && target !== top)
            upward.push(`${relative(projectRoot, file)} imports ${m[1]}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('an import from lib/ into workflows/ counts as upward (what lib/remediation-control.ts once did)', () => {
    const from = join(projectRoot, 'lib', 'remediation-control.ts');
    const target = topOf(resolve(dirname(from), '../workflows/definitions.js'));
    expect(target).toBe('workflows');
    expect(LAYER[target]).toBeGreaterThan(LAYER[topOf(from)]!);
  });
});
