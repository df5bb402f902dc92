/**
 * The worker replica process (replica-main.ts): started beside the test's own
 * worker runtime, on the same task queue and namespace, and SIGKILLed — a real
 * crash, with whatever workflow tasks and activities it held lost mid-way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from '../harness/index.js';

export class Replica {
  private child?: ChildProcess;
  /** The tail of its output, for failure messages. */
  output = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/chaos/replica-main.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let mine = '';
    const onData = (d: Buffer) => {
      mine += d;
      this.output = (this.output + d).slice(-8_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    await eventually(
      'the worker replica to report it is running',
      async () => {
        if (child.exitCode !== null)
          throw new Error(`replica exited ${child.exitCode}: ${mine.slice(-2000)}`);
        return mine.includes('[replica] running');
      },
      90_000,
      100,
    );
  }

  /** SIGKILL: no drain, no goodbye. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
