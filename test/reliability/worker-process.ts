/**
 * The worker (workers/main.ts) as its own process for the reliability suite: started,
 * SIGKILLed and started again by the test, its output kept for failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from '../harness/index.js';

/** The worker process, restartable; its output kept for failure messages. */
export class WorkerProcess {
  child?: ChildProcess;
  output = '';
  /** Every "Failing workflow task" line the SDK printed (the reason of each failed task), kept whole. */
  failingTasks: string[] = [];
  starts = 0;
  /**
   * `script`: the worker's entry point — workers/main.ts (the image's), or
   * worker-on-queue.ts for a worker on a private task queue (KUBERNAUT_TEST_TASK_QUEUE),
   * which never takes another test's tasks.
   */
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly script = 'workers/main.ts',
  ) {}
  async start() {
    this.starts++;
    const child = spawn(process.execPath, ['--import', 'tsx', this.script], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const mark = `--- start ${this.starts} ---\n`;
    this.output += mark;
    let mine = '';
    const onData = (d: Buffer) => {
      mine += d;
      this.output = (this.output + d).slice(-20_000);
      for (const line of String(d).split('\n'))
        if (line.includes('Failing workflow task'))
          this.failingTasks.push(`[start ${this.starts}] ${line.slice(0, 800)}`);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    await eventually(
      'the worker process to report it is running',
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${mine.slice(-2000)}`);
        return mine.includes('[worker] running');
      },
      90_000,
      100,
    );
  }
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
