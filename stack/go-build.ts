/**
 * Builds the stack's server binaries from Go modules — the route that works on
 * machines that reach only package registries.
 *
 * - temporal: `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` (that
 *   version's go.mod has no `replace`, so `go install` accepts it).
 * - kube-apiserver / kube-controller-manager: `k8s.io/kubernetes` requires its
 *   staging modules at v0.0.0 with local replaces, so we generate a throwaway
 *   wrapper module that pins each staging module to the matching v0.Y.Z release.
 * - etcd: a wrapper module that requires go.etcd.io/etcd/server/v3 (its root
 *   package is `main`).
 * - promtool: Prometheus' `go.mod` has no `replace` either, but `go install` of
 *   cmd/promtool needs the module's own pins, so a scratch module records it as a
 *   tool (`go get -tool`) and `go build` compiles it there.
 * - jaeger: the v2 all-in-one (`cmd/jaeger`), built the same way as promtool.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Log = (line: string) => void;

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOWORK: 'off', GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0', ...extra };
}

/** Fails with a message that says what is missing and how to get around it. */
export function requireGo(envVar: string): void {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`Go toolchain not found: install Go >= 1.25 or set ${envVar} to an existing binary`);
  }
  const m = /go(\d+)\.(\d+)/.exec(r.stdout);
  if (!m || Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 25)) {
    throw new Error(
      `Go ${r.stdout.trim()} is too old: install Go >= 1.25 or set ${envVar} to an existing binary`,
    );
  }
}

/** Runs a go command, printing a progress line (what, elapsed) every 15 s. */
async function runGo(what: string, args: string[], cwd: string, log: Log, env = goEnv()): Promise<void> {
  const started = Date.now();
  log(`${what}: go ${args.join(' ')}`);
  const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => {
    output = (output + d).slice(-20_000);
  });
  child.stderr.on('data', (d) => {
    output = (output + d).slice(-20_000);
  });
  const ticker = setInterval(() => {
    log(`${what}: still running (${Math.round((Date.now() - started) / 1000)} s elapsed)`);
  }, 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${output.slice(-4000)}`);
    log(`${what}: done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
  }
}

export async function buildTemporal(version: string, outDir: string, log: Log): Promise<void> {
  await runGo(
    `temporal CLI v${version}`,
    ['install', `github.com/temporalio/cli/cmd/temporal@v${version}`],
    outDir,
    log,
    goEnv({ GOBIN: outDir }),
  );
}

function writeWrapper(
  dir: string,
  module: string,
  requires: string[],
  replaces: string[],
  imports: string[],
) {
  mkdirSync(dir, { recursive: true });
  const gomod = [
    `module ${module}`,
    '',
    'go 1.24',
    '',
    ...requires.map((r) => `require ${r}`),
    '',
    ...replaces,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'go.mod'), gomod);
  const tools = [
    '//go:build tools',
    '',
    'package tools',
    '',
    'import (',
    ...imports.map((i) => `\t_ "${i}"`),
    ')',
    '',
  ];
  writeFileSync(join(dir, 'tools.go'), tools.join('\n'));
}

/**
 * The staging modules `k8s.io/kubernetes@vX.Y.Z` requires at v0.0.0, read from the
 * go.mod the module proxy serves (the list changes between releases).
 */
function stagingModules(version: string, cwd: string): string[] {
  const r = spawnSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${version}`], {
    cwd,
    env: goEnv(),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cannot fetch k8s.io/kubernetes@v${version}: ${r.stderr || r.stdout}`);
  const info = JSON.parse(r.stdout) as { GoMod: string };
  const gomod = readFileSync(info.GoMod, 'utf8');
  const mods = [...gomod.matchAll(/^\s*(k8s\.io\/[a-z0-9-]+) v0\.0\.0$/gm)].map((m) => m[1]!);
  return [...new Set(mods)];
}

export async function buildKubernetes(version: string, outDir: string, log: Log): Promise<void> {
  const dir = join(outDir, 'k8s-wrapper');
  mkdirSync(dir, { recursive: true });
  const [, minor] = version.split('.');
  const staging = stagingModules(version, dir);
  log(`kubernetes v${version}: pinning ${staging.length} staging modules to v0.${minor}.x`);
  const stagingVersion = `v0.${version.split('.').slice(1).join('.')}`;
  writeWrapper(
    dir,
    'kubernaut-temporal/k8s-wrapper',
    [`k8s.io/kubernetes v${version}`],
    staging.map((m) => `replace ${m} => ${m} ${stagingVersion}`),
    ['k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager'],
  );
  await runGo(`kubernetes v${version} modules`, ['mod', 'tidy'], dir, log);
  const ldflags = [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=v${version}`,
    '-X k8s.io/component-base/version.gitMajor=1',
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
  ].join(' ');
  await runGo(
    `kube-apiserver + kube-controller-manager v${version}`,
    [
      'build',
      '-trimpath',
      '-ldflags',
      ldflags,
      '-o',
      `${outDir}/`,
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
    ],
    dir,
    log,
  );
}

export async function buildEtcd(version: string, outDir: string, log: Log): Promise<void> {
  const dir = join(outDir, 'etcd-wrapper');
  writeWrapper(
    dir,
    'kubernaut-temporal/etcd-wrapper',
    [`go.etcd.io/etcd/server/v3 v${version}`],
    [],
    ['go.etcd.io/etcd/server/v3'],
  );
  await runGo(`etcd v${version} modules`, ['mod', 'tidy'], dir, log);
  await runGo(
    `etcd v${version}`,
    ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(outDir, 'etcd'), 'go.etcd.io/etcd/server/v3'],
    dir,
    log,
  );
}

/**
 * A Go command built from its module at `version`: a scratch module records it as a
 * tool (`go get -tool`, which keeps the module's own pins) and `go build` compiles it
 * there into `outDir/<name>`.
 */
async function buildGoTool(name: string, pkg: string, version: string, outDir: string, log: Log) {
  const dir = join(outDir, `${name}-wrapper`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), `module kubernaut-temporal/${name}-wrapper\n\ngo 1.24\n`);
  await runGo(`${name} v${version} modules`, ['get', '-tool', `${pkg}@v${version}`], dir, log);
  await runGo(
    `${name} v${version}`,
    ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(outDir, name), pkg],
    dir,
    log,
  );
}

/** Prometheus' Go module versions are v0.3xx for the 3.x releases (v0.316.0 is 3.16). */
export function buildPromtool(version: string, outDir: string, log: Log): Promise<void> {
  return buildGoTool('promtool', 'github.com/prometheus/prometheus/cmd/promtool', version, outDir, log);
}

/** Jaeger v1.76's `cmd/jaeger` is the v2 all-in-one (collector, in-memory store, query UI). */
export function buildJaeger(version: string, outDir: string, log: Log): Promise<void> {
  return buildGoTool('jaeger', 'github.com/jaegertracing/jaeger/cmd/jaeger', version, outDir, log);
}
