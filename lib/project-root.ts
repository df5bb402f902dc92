/**
 * The project's root directory (the one holding package.json), found from the
 * calling module's location. Data the code reads at run time (CRDs, the catalog,
 * migrations, workflow sources) is addressed from here, so the same code works run
 * from its TypeScript sources and bundled into dist/ (npm run build), where every
 * module shares the bundle's import.meta.url.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(from)}`);
    dir = up;
  }
}

/** A path inside the project: projectPath('crds') → <root>/crds. */
export const projectPath = (...parts: string[]) => join(projectRoot(), ...parts);
