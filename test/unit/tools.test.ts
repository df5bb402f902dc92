import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedToolPath, resolveTool } from '../../stack/tools.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function fakeBinary(path: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
}

describe('server binary resolution', () => {
  it('uses the path named by the environment variable first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tools-env-'));
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
    const dir = mkdtempSync(join(tmpdir(), 'tools-cache-'));
    process.env.KUBERNAUT_TOOL_CACHE = dir;
    delete process.env.KUBE_APISERVER_PATH;
    const path = cachedToolPath('kube-apiserver');
    expect(path).toMatch(new RegExp(`^${dir}/kube-apiserver-1\\.34\\.\\d+/kube-apiserver$`));
    fakeBinary(path);
    expect(await resolveTool('kube-apiserver')).toEqual({ name: 'kube-apiserver', path, source: 'cache' });
  });

  it('says what is missing when neither a binary nor Go is available', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tools-nogo-'));
    process.env.KUBERNAUT_TOOL_CACHE = dir;
    delete process.env.TEMPORAL_CLI_PATH;
    process.env.PATH = dir; // no `go` here
    await expect(resolveTool('temporal', () => {})).rejects.toThrow(
      'Go toolchain not found: install Go >= 1.25 or set TEMPORAL_CLI_PATH to an existing binary',
    );
  });
});
