/**
 * The two sides of `npm run bench -- --against URL --token T`: ours (the API started
 * in the bench process on the bench's PostgreSQL) and the Data Storage at URL. Before
 * anything is timed the other side is probed with the very bodies the load sends, so
 * a wrong token, a body it refuses or a batch over its limit stops the run with its
 * answer instead of becoming a table of errors; and both sides are described, since a
 * ratio means nothing without knowing what was compared on what.
 */

import type { BenchContext } from './context.js';
import { kubernautTrail } from './kubernaut-trail.js';
import type { LoadSummary } from './load-child.js';
import { seedOf } from './stats.js';

export interface Side {
  url: string;
  token: string;
}

export interface OtherSide extends Side {
  /** What it turned out to be, for the printed header. */
  identity: string;
}

/**
 * Both sides once, [ours, other]; who goes first alternates with the run, so neither
 * always meets the other's leftovers (autovacuum, a checkpoint, a warmer cache).
 */
export async function inTurn<T>(run: number, ours: () => Promise<T>, other: () => Promise<T>) {
  if (run % 2 === 0) {
    const o = await ours();
    return [o, await other()] as const;
  }
  const t = await other();
  return [await ours(), t] as const;
}

/** Writes that were stored: 201 only. Kubernaut answers 202 when it parked the events in its DLQ. */
export const stored = (load: LoadSummary) => load.statusCodes['201'] ?? 0;

/** A note for a run whose responses were not all 201, by status code; undefined when they were. */
export function statusNote(side: string, load: LoadSummary): string | undefined {
  const other = Object.entries(load.statusCodes).filter(([code]) => code !== '201');
  if (!other.length && !load.errors) return undefined;
  const codes = other.map(([code, n]) => `${n}× ${code}${code === '202' ? ' (queued, not stored)' : ''}`);
  return `${side}: ${[...codes, ...(load.errors ? [`${load.errors} errors`] : [])].join(', ')}`;
}

async function post(side: Side, path: string, body: unknown) {
  const res = await fetch(`${side.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${side.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: (await res.text()).slice(0, 500) };
}

/**
 * One single event and one batch of each size, exactly as the load will send them;
 * anything but 201 fails the run with the other side's answer. Then: is it our own
 * API? Only kubernaut-temporal serves /api/v1/audit/checkpoints (the verifiable log).
 */
export async function probeOtherSide(side: Side, sizes: number[], tag: string): Promise<OtherSide> {
  const t0 = Date.now() - 3_600_000;
  const trail = (id: string) => kubernautTrail(id, seedOf(id), t0);
  const checks: [string, string, unknown][] = [
    ['one event', '/api/v1/audit/events', trail(`${tag}-probe-single`)[0]],
    ...sizes.map((size): [string, string, unknown] => [
      `a batch of ${size}`,
      '/api/v1/audit/events/batch',
      Array.from({ length: size / 10 }, (_, j) => trail(`${tag}-probe-${size}-${j}`)).flat(),
    ]),
  ];
  for (const [what, path, body] of checks) {
    const res = await post(side, path, body).catch((err: Error) => {
      throw new Error(`--against ${side.url}: ${what} to ${path} failed: ${err.message}`);
    });
    if (res.status !== 201)
      throw new Error(
        `--against ${side.url}: ${what} to ${path} answered ${res.status}, not 201 (${
          res.status === 401 || res.status === 403
            ? 'the token was refused'
            : res.status === 202
              ? 'queued in its DLQ: its database write failed'
              : 'see its answer'
        }): ${res.text}`,
      );
  }
  const checkpoints = await fetch(`${side.url}/api/v1/audit/checkpoints`, {
    headers: { authorization: `Bearer ${side.token}` },
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  const ours = checkpoints?.status === 200;
  const server = checkpoints?.headers.get('server');
  return {
    ...side,
    identity: ours
      ? 'kubernaut-temporal (it serves /api/v1/audit/checkpoints) — our own API, a plumbing check, not Kubernaut'
      : `not kubernaut-temporal (no /api/v1/audit/checkpoints): taken to be Kubernaut's Data Storage${
          server ? `, server "${server}"` : ''
        }`,
  };
}

/**
 * Our side's PostgreSQL as the reader needs it to judge the comparison: the server,
 * its version and the durability settings that change write throughput most. The
 * other side's database cannot be read from here; the header says so.
 */
export async function describeOurs(ctx: BenchContext): Promise<string> {
  const { rows } = await ctx.pool.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings
      WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'max_connections')
      ORDER BY name`,
  );
  const url = new URL(ctx.databaseUrl);
  const settings = rows.map((r) => `${r.name}=${r.setting}`).join(', ');
  return `PostgreSQL at ${url.hostname}:${url.port}${url.pathname} (${settings})`;
}
