import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedToolPath, resolveTool } from '../../stack/tools.js';

const saved = { ...process.env };
const dirs: string[] = [];
const scratch = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  process.env = { ...saved };
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fakeBinary(path: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
}

describe('server binary resolution', () => {
  it('uses the path named by the environment variable first', async () => {
    const dir = scratch('tools-env-');
    const bin = join(dir, 'my-temporal');
    fakeBinary(bin);
    process.env.TEMPORAL_CLI_PATH = bin;
    process.env.KUBERNAUT_TOOL_CACHE = join(dir, 'cache');
    expect(await resolveTool('temporal')).toEqual({ name: 'temporal', path: bin, source: 'env' });
  });

  it('refuses an environment path that is not an executable file', async () => {
    process.env.ETCD_PATH = '/nonexistent/etcd';
    await expect(resolveTool('etcd')).rejects.toThrow(/ETCD_PATH=\/nonexistent\/etcd is not an executable/);
  });

  it('finds an earlier build in the per-user cache, keyed by name and version', async () => {
    const dir = scratch('tools-cache-');
    process.env.KUBERNAUT_TOOL_CACHE = dir;
    delete process.env.KUBE_APISERVER_PATH;
    const path = cachedToolPath('kube-apiserver');
    expect(path).toMatch(new RegExp(`^${dir}/kube-apiserver-1\\.34\\.\\d+/kube-apiserver$`));
    fakeBinary(path);
    expect(await resolveTool('kube-apiserver')).toEqual({ name: 'kube-apiserver', path, source: 'cache' });
  });

  it('resolves promtool (for the alert rules) the same way: PROMTOOL_PATH, else the cache at its version', async () => {
    const dir = scratch('tools-promtool-');
    process.env.KUBERNAUT_TOOL_CACHE = dir;
    delete process.env.PROMTOOL_PATH;
    const path = cachedToolPath('promtool');
    expect(path).toBe(join(dir, 'promtool-0.316.0', 'promtool'));
    fakeBinary(path);
    expect(await resolveTool('promtool')).toEqual({ name: 'promtool', path, source: 'cache' });
    const own = join(dir, 'my-promtool');
    fakeBinary(own);
    process.env.PROMTOOL_PATH = own;
    expect(await resolveTool('promtool')).toEqual({ name: 'promtool', path: own, source: 'env' });
  });

  it('says what is missing when neither a binary nor Go is available', async () => {
    const dir = scratch('tools-nogo-');
    process.env.KUBERNAUT_TOOL_CACHE = dir;
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.PATH = dir; // no `go` here
    await expect(resolveTool('temporal', () => {})).rejects.toThrow(
      'Go toolchain not found: install Go >= 1.25 or set TEMPORAL_CLI_PATH to an existing binary',
    );
  });
});
