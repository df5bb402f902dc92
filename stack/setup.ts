/**
 * `npm run setup`: obtain every server binary the embedded stack needs, and promtool
 * for the alert-rule tests (see tools.ts for the order), so the first test or demo
 * run does not pay for it.
 */
import { resolveAllTools, toolCacheDir } from './tools.js';

const t0 = Date.now();
const tools = await resolveAllTools((l) => process.stdout.write(`[setup] ${l}\n`));
for (const t of Object.values(tools))
  process.stdout.write(`[setup] ${t.name.padEnd(24)} ${t.source.padEnd(8)} ${t.path}\n`);
process.stdout.write(
  `[setup] tool cache ${toolCacheDir()}; ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
);
