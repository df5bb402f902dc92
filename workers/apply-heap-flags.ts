/**
 * Side effect only: applies workers/heap-flags.ts's cap before any other module of the
 * worker loads (import it first), so the workflow thread's heap is created with it.
 */
import { setFlagsFromString } from 'node:v8';
import { semiSpaceFlag } from './heap-flags.js';

const flag = semiSpaceFlag(process.env, process.execArgv);
if (flag) setFlagsFromString(flag);
