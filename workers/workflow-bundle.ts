/**
 * The workflow code the worker loads, bundled once and kept on disk instead of
 * bundled by webpack inside every worker at start (Temporal's production
 * practice: `bundleWorkflowCode` ahead, then `workflowBundle: { codePath }`).
 * Webpack in the worker cost ~130 MB of resident memory for the life of the
 * process (V8 keeps the heap it grew) and ~4 s of start-up.
 *
 * The bundle is named by a hash of its inputs — every .ts file under workflows/
 * and lib/ (what workflow code may import), the Temporal SDK versions and this
 * file — so an edit makes a new bundle and a stale one is never loaded. A missing
 * bundle is built at start in a child process (so webpack's memory goes away with
 * it) and cached for the next start; `npm run bundle` (or the Docker build) makes
 * it ahead. Cache: node_modules/.cache/kubernaut-temporal/, else the temp dir.
 *
 * `npm run bundle` (workers/bundle-workflows.ts) prints the bundle's path, building it if needed.
 *
 * Tracing (docs/tracing.md) uses a second bundle, the same code plus Temporal's
 * OpenTelemetry workflow interceptors: the plain bundle has no trace of them, so a
 * worker without tracing runs exactly the code it ran before. The interceptors add
 * spans, not commands, so histories recorded by either bundle replay on the other
 * (the replay test runs both).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../lib/project-root.js';

const ROOT = projectRoot();
export const WORKFLOWS_PATH = join(ROOT, 'workflows', 'index.ts');
const require = createRequire(import.meta.url);
/** The OpenTelemetry workflow interceptors module, bundled into the traced bundle. */
export const OTEL_WORKFLOW_INTERCEPTORS = require.resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

export interface BundleOptions {
  /** Include the OpenTelemetry workflow interceptors (default false). */
  tracing?: boolean;
}

/** Hash of everything the bundle is made from. */
export function workflowBundleKey(opts: BundleOptions = {}): string {
  const h = createHash('sha256');
  if (opts.tracing) h.update('tracing\n');
  const pkgs = ['@temporalio/worker', '@temporalio/workflow', '@temporalio/common'];
  if (opts.tracing) pkgs.push('@temporalio/interceptors-opentelemetry');
  for (const pkg of pkgs) {
    h.update(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}\n`);
  }
  h.update(readFileSync(join(ROOT, 'workers', 'workflow-bundle.ts')));
  for (const dir of ['workflows', 'lib']) {
    for (const rel of listTs(join(ROOT, dir))) {
      h.update(`${dir}/${rel}\n`);
      h.update(readFileSync(join(ROOT, dir, rel)));
    }
  }
  return h.digest('hex').slice(0, 20);
}

function listTs(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
}

function cacheDirs(): string[] {
  return [join(ROOT, 'node_modules', '.cache', 'kubernaut-temporal'), join(tmpdir(), 'kubernaut-temporal')];
}

/**
 * The path of an up-to-date workflow bundle, building it (in a child process)
 * when no cache directory holds one for the current sources.
 */
export async function ensureWorkflowBundle(
  log: (msg: string) => void = () => {},
  opts: BundleOptions = {},
): Promise<string> {
  const file = `workflow-bundle-${workflowBundleKey(opts)}.js`;
  for (const dir of cacheDirs()) {
    if (existsSync(join(dir, file))) return join(dir, file);
  }
  const t0 = Date.now();
  const code = await bundleInChild(opts.tracing ? [OTEL_WORKFLOW_INTERCEPTORS] : []);
  for (const dir of cacheDirs()) {
    try {
      mkdirSync(dir, { recursive: true });
      // Write then rename: a concurrent starter sees the whole file or none.
      const tmp = join(dir, `${file}.${process.pid}.tmp`);
      writeFileSync(tmp, code);
      renameSync(tmp, join(dir, file));
      log(`workflow code bundled in ${Date.now() - t0} ms: ${join(dir, file)}`);
      return join(dir, file);
    } catch {
      // read-only (e.g. node_modules in a container image): try the next place
    }
  }
  throw new Error(`no writable cache directory for the workflow bundle (${cacheDirs().join(', ')})`);
}

/** Runs webpack in a child process and returns the bundle's code. */
async function bundleInChild(interceptorModules: string[]): Promise<string> {
  const script = `
    const { bundleWorkflowCode } = await import(${JSON.stringify(require.resolve('@temporalio/worker'))});
    const quiet = () => {};
    const logger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: console.error, error: console.error };
    const workflowInterceptorModules = JSON.parse(process.argv[2]);
    const { code } = await bundleWorkflowCode({ workflowsPath: process.argv[1], workflowInterceptorModules, logger });
    process.stdout.write(code);
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, WORKFLOWS_PATH, JSON.stringify(interceptorModules)],
    { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  if (!stdout.includes('__TEMPORAL__')) throw new Error('workflow bundling produced no bundle');
  return stdout;
}
