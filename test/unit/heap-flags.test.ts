import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MALLOC_ARENA_MAX,
  DEFAULT_SEMI_SPACE_MB,
  optimizeForSizeFlag,
  semiSpaceFlag,
  workerNodeArgs,
  workerProcessEnv,
} from '../../workers/heap-flags.js';

describe("the worker's young-generation cap", () => {
  it('is 2 MB per semi-space by default', () => {
    expect(semiSpaceFlag({}, [])).toBe(`--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`);
    expect(DEFAULT_SEMI_SPACE_MB).toBe(2);
  });

  it('follows KUBERNAUT_WORKER_SEMI_SPACE_MB, and 0 keeps V8 default', () => {
    expect(semiSpaceFlag({ KUBERNAUT_WORKER_SEMI_SPACE_MB: '8' }, [])).toBe('--max-semi-space-size=8');
    expect(semiSpaceFlag({ KUBERNAUT_WORKER_SEMI_SPACE_MB: '0' }, [])).toBeUndefined();
  });

  it('leaves a --max-semi-space-size given on the command line or in NODE_OPTIONS alone', () => {
    expect(semiSpaceFlag({}, ['--max-semi-space-size=16'])).toBeUndefined();
    expect(
      semiSpaceFlag({ NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=4' }, []),
    ).toBeUndefined();
  });

  it('refuses a value that is not a whole number of MB, naming the setting', () => {
    for (const bad of ['-1', '1.5', 'two'])
      expect(() => semiSpaceFlag({ KUBERNAUT_WORKER_SEMI_SPACE_MB: bad }, [])).toThrow(
        /KUBERNAUT_WORKER_SEMI_SPACE_MB must be a whole number/,
      );
  });
});

describe("the worker's node command line", () => {
  it('carries the same cap in the image (docker/entrypoint.sh) as in the bench (workerNodeArgs)', () => {
    const entrypoint = readFileSync(
      fileURLToPath(new URL('../../docker/entrypoint.sh', import.meta.url)),
      'utf8',
    );
    expect(entrypoint).toContain(
      `NODE_OPTIONS="--max-semi-space-size=\${KUBERNAUT_WORKER_SEMI_SPACE_MB:-${DEFAULT_SEMI_SPACE_MB}} \${NODE_OPTIONS:-}"`,
    );
    expect(workerNodeArgs({})).toEqual([`--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`]);
    expect(workerNodeArgs({ KUBERNAUT_WORKER_SEMI_SPACE_MB: '0' })).toEqual(['--max-semi-space-size=0']);
  });
});

describe("the worker's malloc arenas", () => {
  it('are capped at 2 in the image (docker/entrypoint.sh) as in the bench (workerProcessEnv)', () => {
    const entrypoint = readFileSync(
      fileURLToPath(new URL('../../docker/entrypoint.sh', import.meta.url)),
      'utf8',
    );
    expect(DEFAULT_MALLOC_ARENA_MAX).toBe(2);
    expect(entrypoint).toContain(`MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-${DEFAULT_MALLOC_ARENA_MAX}}"`);
    expect(entrypoint).toMatch(/export MALLOC_ARENA_MAX/);
    expect(workerProcessEnv({})).toEqual({ MALLOC_ARENA_MAX: '2' });
  });

  it("leave an operator's own MALLOC_ARENA_MAX alone", () => {
    expect(workerProcessEnv({ MALLOC_ARENA_MAX: '8' })).toEqual({ MALLOC_ARENA_MAX: '8' });
  });
});

describe("the worker's GC heuristics", () => {
  it("are V8's by default; KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE=1 favours size, anything but 0/1 is refused", () => {
    expect(optimizeForSizeFlag({})).toBeUndefined();
    expect(optimizeForSizeFlag({ KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE: '1' })).toBe('--optimize-for-size');
    expect(optimizeForSizeFlag({ KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE: '0' })).toBeUndefined();
    expect(() => optimizeForSizeFlag({ KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE: 'yes' })).toThrow(
      /KUBERNAUT_WORKER_OPTIMIZE_FOR_SIZE must be 0 or 1/,
    );
  });
});
