/**
 * Side effect only: applies workers/heap-flags.ts's V8 settings before any other module of the
 * worker loads (import it first), so the workflow thread's heap is created with it.
 */
import { setFlagsFromString } from 'node:v8';
import { optimizeForSizeFlag, semiSpaceFlag } from './heap-flags.js';

for (const flag of [semiSpaceFlag(process.env, process.execArgv), optimizeForSizeFlag(process.env)])
  if (flag) setFlagsFromString(flag);
