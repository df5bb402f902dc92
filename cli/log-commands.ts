/**
 * The audit log's operator and auditor commands (docs/audit-log.md):
 * - `kubernaut verify-log`: the auditor's full check. With read access to the
 *   database and a checkpoint kept outside it, every log entry up to the checkpoint
 *   is recomputed from its row and the tree must have the checkpoint's root
 *   (lib/audit/log-verify.ts); problems are named by global sequence number.
 * - `kubernaut audit-log-keygen <name>`: a signing key for AUDIT_LOG_SIGNING_KEY and
 *   the verifier key to give auditors.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import pg from 'pg';
import { verifyLog } from '../lib/audit/log-verify.js';
import { generateSignerKey, openCheckpoint, parseSignerKey } from '../lib/audit/note.js';
import { readKept, statePath, trustedKeys } from './audit-log.js';
import type { CliConfig } from './config.js';
import { CliError, EXIT, print, printJson } from './output.js';

interface Options {
  databaseUrl?: string;
  checkpoint?: string;
  logKey: string[];
  output: string;
}

export function addLogCommands(program: Command, cfg: () => CliConfig) {
  program
    .command('audit-log-keygen <name>')
    .description(
      'Print a new audit log signing key (AUDIT_LOG_SIGNING_KEY) and its verifier key, for auditors',
    )
    .action((name: string) => {
      let key: string;
      try {
        key = generateSignerKey(name);
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      print(`AUDIT_LOG_SIGNING_KEY=${key}`);
      print(`KUBERNAUT_AUDIT_LOG_KEYS=${parseSignerKey(key).verifier.text}`);
    });

  program
    .command('verify-log')
    .description(
      'Recompute the whole audit log from the database and check it against a kept checkpoint (exit 1 on any fault)',
    )
    .option('--database-url <url>', 'PostgreSQL to read (env DATABASE_URL); read access is enough')
    .option(
      '--checkpoint <file>',
      'signed checkpoint to hold the log to (default: the one `kubernaut verify` kept)',
    )
    .option(
      '--log-key <key>',
      'trusted verifier key, repeatable (env KUBERNAUT_AUDIT_LOG_KEYS)',
      (k: string, all: string[]) => [...all, k],
      [] as string[],
    )
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (o: Options) => {
      const c = cfg();
      const url = o.databaseUrl ?? process.env.DATABASE_URL;
      if (!url) throw new CliError('no database: set --database-url or DATABASE_URL', EXIT.usage);
      const kept = c.apiUrl ? readKept(statePath(c.apiUrl)) : undefined;
      const note = o.checkpoint ? readFileSync(o.checkpoint, 'utf8') : kept?.note;
      if (!note)
        throw new CliError('no checkpoint: give --checkpoint or run `kubernaut verify` first', EXIT.usage);
      const keys = trustedKeys([...o.logKey, ...c.auditLogKeys], kept);
      let checkpoint: ReturnType<typeof openCheckpoint>;
      try {
        checkpoint = openCheckpoint(note, keys);
      } catch (err) {
        throw new CliError(`the checkpoint cannot be trusted: ${(err as Error).message}`, EXIT.refused);
      }
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      try {
        const v = await verifyLog(pool, checkpoint, { verifiers: keys });
        if (o.output === 'json') printJson(v);
        else {
          print(`${v.is_valid ? 'intact' : 'BROKEN'}: ${v.message}`);
          for (const p of v.problems.slice(0, 50)) {
            print(`  ${p.log_index ?? '-'}\t${p.kind}\t${p.event_id ?? ''}\t${p.message}`);
          }
        }
        if (!v.is_valid) process.exitCode = EXIT.refused;
      } finally {
        await pool.end();
      }
    });
}
