/**
 * Server binaries the embedded stack needs (temporal CLI, etcd, kube-apiserver,
 * kube-controller-manager), plus promtool, which checks and unit-tests the alert
 * rules in deploy/prometheus, and Jaeger, the trace backend started when tracing is
 * asked for (docs/tracing.md), and where each one comes from.
 *
 * Resolution order, first hit wins:
 *   1. an explicit path in the tool's environment variable (e.g. TEMPORAL_CLI_PATH);
 *   2. the per-user tool cache, keyed by name and version, so a fresh clone reuses
 *      an earlier build;
 *   3. the official release download, only when KUBERNAUT_TOOL_DOWNLOAD=1 (the
 *      machines this project is developed on reach package registries only);
 *   4. a build from Go modules (see go-build.ts), installed into the cache.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  buildEtcd,
  buildJaeger,
  buildKubernetes,
  buildPromtool,
  buildTemporal,
  requireGo,
} from './go-build.js';

export type ToolName =
  | 'temporal'
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'promtool'
  | 'jaeger';

export const TOOL_VERSIONS = {
  temporal: '1.5.1',
  etcd: '3.6.16',
  kubernetes: '1.34.4',
  promtool: '0.316.0',
  jaeger: '1.76.0',
} as const;

interface ToolSpec {
  envVar: string;
  version: string;
  /** Official release URL of the binary, or of a tar.gz that holds it. */
  downloadUrl: string;
  /** Binaries produced by one build step (the two Kubernetes servers build together). */
  build: (outDir: string, log: (line: string) => void) => Promise<void>;
}

const k = TOOL_VERSIONS.kubernetes;
const SPECS: Record<ToolName, ToolSpec> = {
  temporal: {
    envVar: 'TEMPORAL_CLI_PATH',
    version: TOOL_VERSIONS.temporal,
    downloadUrl: `https://temporal.download/cli/archive/v${TOOL_VERSIONS.temporal}?platform=linux&arch=amd64`,
    build: (out, log) => buildTemporal(TOOL_VERSIONS.temporal, out, log),
  },
  etcd: {
    envVar: 'ETCD_PATH',
    version: TOOL_VERSIONS.etcd,
    downloadUrl: `https://github.com/etcd-io/etcd/releases/download/v${TOOL_VERSIONS.etcd}/etcd-v${TOOL_VERSIONS.etcd}-linux-amd64.tar.gz`,
    build: (out, log) => buildEtcd(TOOL_VERSIONS.etcd, out, log),
  },
  'kube-apiserver': {
    envVar: 'KUBE_APISERVER_PATH',
    version: k,
    downloadUrl: `https://dl.k8s.io/v${k}/bin/linux/amd64/kube-apiserver`,
    build: (out, log) => buildKubernetes(k, out, log),
  },
  'kube-controller-manager': {
    envVar: 'KUBE_CONTROLLER_MANAGER_PATH',
    version: k,
    downloadUrl: `https://dl.k8s.io/v${k}/bin/linux/amd64/kube-controller-manager`,
    build: (out, log) => buildKubernetes(k, out, log),
  },
  promtool: {
    envVar: 'PROMTOOL_PATH',
    version: TOOL_VERSIONS.promtool,
    // Module v0.316.0 is the Prometheus 3.16.0 release.
    downloadUrl:
      'https://github.com/prometheus/prometheus/releases/download/v3.16.0/prometheus-3.16.0.linux-amd64.tar.gz',
    build: (out, log) => buildPromtool(TOOL_VERSIONS.promtool, out, log),
  },
  jaeger: {
    envVar: 'JAEGER_PATH',
    version: TOOL_VERSIONS.jaeger,
    // Module v1.76.0 ships the v2 binary as release v2.13.0.
    downloadUrl:
      'https://github.com/jaegertracing/jaeger/releases/download/v1.76.0/jaeger-2.13.0-linux-amd64.tar.gz',
    build: (out, log) => buildJaeger(TOOL_VERSIONS.jaeger, out, log),
  },
};

/** Per-user cache: $KUBERNAUT_TOOL_CACHE, else $XDG_CACHE_HOME/kubernaut-temporal/tools, else ~/.cache/… */
export function toolCacheDir(): string {
  if (process.env.KUBERNAUT_TOOL_CACHE) return process.env.KUBERNAUT_TOOL_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kubernaut-temporal', 'tools');
}

export function cachedToolPath(name: ToolName): string {
  return join(toolCacheDir(), `${name}-${SPECS[name].version}`, name);
}

export type ToolSource = 'env' | 'cache' | 'download' | 'build';
export interface ResolvedTool {
  name: ToolName;
  path: string;
  source: ToolSource;
}

const inFlight = new Map<string, Promise<void>>();

/** Finds or obtains one tool; see the module comment for the order. */
export async function resolveTool(
  name: ToolName,
  log: (line: string) => void = defaultLog,
): Promise<ResolvedTool> {
  const spec = SPECS[name];
  const explicit = process.env[spec.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${spec.envVar}=${explicit} is not an executable file`);
    return { name, path: explicit, source: 'env' };
  }
  const cached = cachedToolPath(name);
  if (isExecutable(cached)) return { name, path: cached, source: 'cache' };

  if (process.env.KUBERNAUT_TOOL_DOWNLOAD === '1') {
    try {
      await download(name, spec, cached, log);
      return { name, path: cached, source: 'download' };
    } catch (err) {
      log(`download of ${name} failed (${(err as Error).message}); building from Go modules instead`);
    }
  }

  requireGo(spec.envVar);
  // One build step may produce several tools (kube-apiserver + kube-controller-manager);
  // share the promise so they are built once.
  const key = spec.build === SPECS['kube-apiserver'].build ? 'kubernetes' : name;
  let job = inFlight.get(key);
  if (!job) {
    job = buildIntoCache(name, spec, log);
    inFlight.set(key, job);
  }
  await job;
  if (!isExecutable(cached)) throw new Error(`building ${name} finished but ${cached} is missing`);
  return { name, path: cached, source: 'build' };
}

export async function resolveAllTools(
  log: (line: string) => void = defaultLog,
): Promise<Record<ToolName, ResolvedTool>> {
  // Sequential on purpose: each Go build already uses every core.
  const out = {} as Record<ToolName, ResolvedTool>;
  for (const name of Object.keys(SPECS) as ToolName[]) out[name] = await resolveTool(name, log);
  return out;
}

/**
 * Builds in a scratch directory beside the cache and renames each binary into
 * place, so a crashed or concurrent build never leaves a half-written tool behind.
 */
async function buildIntoCache(name: ToolName, spec: ToolSpec, log: (line: string) => void): Promise<void> {
  mkdirSync(toolCacheDir(), { recursive: true });
  const scratch = mkdtempSync(join(toolCacheDir(), `.build-${name}-`));
  try {
    await spec.build(scratch, log);
    for (const tool of Object.keys(SPECS) as ToolName[]) {
      const produced = join(scratch, tool);
      if (!existsSync(produced)) continue;
      const target = cachedToolPath(tool);
      mkdirSync(join(target, '..'), { recursive: true });
      renameSync(produced, target);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function download(name: ToolName, spec: ToolSpec, target: string, log: (line: string) => void) {
  log(`downloading ${name} ${spec.version} from ${spec.downloadUrl}`);
  const res = await fetch(spec.downloadUrl, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(dir, '.dl-'));
  try {
    if (spec.downloadUrl.includes('.tar.gz') || name === 'temporal') {
      const archive = join(scratch, 'archive.tar.gz');
      writeFileSync(archive, body);
      const r = spawnSync('tar', ['-xzf', archive, '-C', scratch, '--strip-components=0'], {
        stdio: 'inherit',
      });
      if (r.status !== 0) throw new Error('could not unpack the archive');
      const found = spawnSync('find', [scratch, '-type', 'f', '-name', name], {
        encoding: 'utf8',
      }).stdout.trim();
      if (!found) throw new Error(`archive has no ${name}`);
      renameSync(found.split('\n')[0]!, target);
    } else {
      writeFileSync(join(scratch, name), body);
      renameSync(join(scratch, name), target);
    }
    chmodSync(target, 0o755);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function defaultLog(line: string) {
  process.stderr.write(`[tools] ${line}\n`);
}
