/**
 * One orderly shutdown per process. Ctrl-C in a terminal sends SIGINT to the whole
 * process group: npm, this process and every server it started get it at once.
 * (The npm scripts run `node --import tsx`, not the `tsx` command: tsx's parent
 * process relays a signal and SIGKILLs its child when the child has not confirmed
 * it within 60 ms — on a loaded machine that killed us before the folders below
 * were removed.) So the first SIGINT/SIGTERM starts the
 * registered steps (newest first: the API before the worker before the stack) and
 * every later one is ignored until they finish; a step that hangs cannot keep the
 * process alive past HARD_STOP_MS. Folders registered with `removeOnExit` go in any
 * case, on the process's `exit`, so nothing the stack wrote stays in the temp folder.
 */
import { rmSync } from 'node:fs';

type Step = () => Promise<void>;

/** Longer than every stop's own SIGTERM→SIGKILL grace (10 s), short of a user's patience. */
const HARD_STOP_MS = 20_000;
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

const steps: Step[] = [];
const dirs = new Set<string>();
let stopping: Promise<void> | undefined;
let installed = false;

function removeDirsSync() {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function onSignal(signal: keyof typeof EXIT_CODES) {
  if (stopping) return;
  const code = EXIT_CODES[signal];
  setTimeout(() => process.exit(code), HARD_STOP_MS).unref();
  stopping = (async () => {
    for (const step of [...steps].reverse()) {
      await step().catch((e) => process.stderr.write(`shutdown: ${(e as Error).message}\n`));
    }
  })();
  void stopping.finally(() => process.exit(code));
}

function install() {
  if (installed) return;
  installed = true;
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('exit', removeDirsSync);
}

/** Runs `step` on SIGINT/SIGTERM (after the steps registered later). Returns an unregister. */
export function onShutdown(step: Step): () => void {
  install();
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

/** Removes `dir` when the process exits, however it exits short of SIGKILL. */
export function removeOnExit(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => {
    dirs.delete(dir);
  };
}
