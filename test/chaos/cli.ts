/**
 * `npm run test:chaos [-- --schedules N] [--seed S] [--base-seed B] [vitest options]`:
 * the randomized schedule suite. vitest refuses options it does not know, so this
 * turns the suite's own into the environment variables the suite reads
 * (CHAOS_SCHEDULES, CHAOS_SEED, CHAOS_BASE_SEED; test/chaos/README.md) and hands
 * everything else to `vitest run test/chaos`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const OWN: Record<string, string> = {
  '--schedules': 'CHAOS_SCHEDULES',
  '--seed': 'CHAOS_SEED',
  '--base-seed': 'CHAOS_BASE_SEED',
};
const env = { ...process.env };
const rest: string[] = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i]!.split('=', 2) as [string, string | undefined];
  const name = OWN[flag];
  if (!name) {
    rest.push(args[i]!);
    continue;
  }
  const value = inline ?? args[++i];
  if (value === undefined || !/^\d+$/.test(value)) {
    process.stderr.write(`${flag} needs a whole number\n`);
    process.exit(2);
  }
  env[name] = value;
}
const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const child = spawn(process.execPath, [vitest, 'run', 'test/chaos', ...rest], { env, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
