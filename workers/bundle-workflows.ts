/** `npm run bundle`: builds the workflow bundle if the sources changed and prints its path. */
import { ensureWorkflowBundle } from './workflow-bundle.js';

process.stdout.write(`${await ensureWorkflowBundle((m) => process.stderr.write(`${m}\n`))}\n`);
