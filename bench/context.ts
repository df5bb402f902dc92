/** What every figure gets from the runner. */
import type pg from 'pg';

export interface BenchContext {
  quick: boolean;
  /** How many times each figure (and its reference) is measured; the table shows the median. */
  runs: number;
  databaseUrl: string;
  /** The audit log sequencer's role (docs/database-roles.md). */
  sequencerDatabaseUrl: string;
  /** The owner's (migrations); only the audit-log-off reference uses it. */
  migrationDatabaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  kubeconfigPath: string;
  /** Environment that points a child process (a worker) at the same services. */
  env: Record<string, string>;
  pool: pg.Pool;
  /** Unique per bench run: keeps generated ids and namespaces of different runs apart. */
  tag: string;
  log(msg: string): void;
}

/** quick ? small : full — the one place counts scale down for a smoke run. */
export const scale = (ctx: BenchContext, quick: number, full: number) => (ctx.quick ? quick : full);
