/**
 * Runs the `kubernaut` CLI (cli/bin.js) in a process of its own, as a user would:
 * only PATH and HOME from this process, no config file, plus what a test gives in
 * `env` (which may replace HOME too). Answers its exit code and what it printed.
 */
import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['cli/bin.js', ...args], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        KUBERNAUT_CONFIG: '/nonexistent/kubernaut.yaml',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
