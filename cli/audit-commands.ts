/**
 * The audit trail through the API: `kubernaut reconstruct <correlation-id>` rebuilds
 * a RemediationRequest from it; `kubernaut verify` proves the audit log only grew
 * since the last run on this machine (signed checkpoint, consistency proof) and,
 * given a correlation, verifies its hash chain — or, with --export, a signed export
 * offline.
 */
import { type Command, Option } from 'commander';
import { checkLog, LogCheckFailure, readKept, statePath } from './audit-log.js';
import { api } from './clients.js';
import type { CliConfig } from './config.js';
import { CliError, EXIT, outputOption, print, printJson } from './output.js';
import { verifyExportFile } from './verify-export.js';

type VerifyOptions = { output: string; logKey: string[]; acceptNewLog?: boolean; export?: string };

export function addAuditCommands(program: Command, cfg: () => CliConfig) {
  program
    .command('reconstruct <correlation-id>')
    .description('Rebuild a RemediationRequest from its audit trail')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(async (id: string, o: { output: string }) => {
      const r = await api<{
        remediation_request_yaml: string;
        validation: { completeness: number; warnings: string[] };
      }>(cfg(), 'POST', `/api/v1/audit/remediation-requests/${encodeURIComponent(id)}/reconstruct`);
      if (o.output === 'json') return printJson(r);
      process.stderr.write(
        `completeness ${r.validation.completeness}%${r.validation.warnings.length ? `; ${r.validation.warnings.length} warning(s)` : ''}\n`,
      );
      process.stdout.write(r.remediation_request_yaml);
    });

  program
    .command('verify [correlation-id]')
    .description(
      'Prove the audit log only grew since the last run (signed checkpoint, consistency proof) and, given a correlation, verify its hash chain; exit 1 when anything fails',
    )
    .option(
      '--log-key <key>',
      'trusted audit log verifier key, repeatable (env KUBERNAUT_AUDIT_LOG_KEYS)',
      (k: string, all: string[]) => [...all, k],
      [] as string[],
    )
    .option('--accept-new-log', 'start over when the API serves another log than last time (a new database)')
    .option(
      '--export <file>',
      'verify a signed export (GET /api/v1/audit/export) offline instead: no API, no database',
    )
    .addOption(outputOption())
    .action(async (id: string | undefined, o: VerifyOptions) => {
      const c = cfg();
      if (o.export) return verifyExportFile(o.export, [...o.logKey, ...c.auditLogKeys], o.output);
      const { log, logError } = await verifyLog(c, o);
      const chain = id
        ? await api<{
            is_valid: boolean;
            total_events: number;
            verified_events: number;
            log_consistent?: boolean;
            message: string;
          }>(c, 'POST', '/api/v1/audit/verify-chain', { correlation_id: id })
        : undefined;
      if (o.output === 'json') printJson({ ...(chain ?? {}), log: log ?? { error: logError } });
      else {
        if (chain) {
          print(
            `${chain.is_valid ? 'valid' : 'BROKEN'}: ${chain.verified_events}/${chain.total_events} events verified — ${chain.message}`,
          );
        }
        if (log) print(`audit log ${log.origin}: ${log.message}`);
      }
      if (logError) {
        process.stderr.write(`kubernaut: AUDIT LOG CHECK FAILED: ${logError}\n`);
        process.exitCode = EXIT.refused;
      }
      if (chain && !chain.is_valid) process.exitCode = EXIT.refused;
    });
}

/** The log half of `verify`; an API without a log is a warning unless this machine saw one there. */
async function verifyLog(c: CliConfig, o: { logKey: string[]; acceptNewLog?: boolean }) {
  if (!c.apiUrl) throw new CliError('no API URL: set --api-url or KUBERNAUT_API_URL', EXIT.usage);
  try {
    const log = await checkLog(
      async (path) => {
        try {
          return await api(c, 'GET', path);
        } catch (err) {
          if (err instanceof CliError && err.code === EXIT.notFound && path.endsWith('/checkpoints')) {
            throw new LogCheckFailure('the API serves no audit log checkpoint');
          }
          throw err;
        }
      },
      { apiUrl: c.apiUrl, keys: [...o.logKey, ...c.auditLogKeys], acceptNewLog: o.acceptNewLog },
    );
    return { log };
  } catch (err) {
    if (!(err instanceof LogCheckFailure)) throw err;
    if (/serves no audit log checkpoint/.test(err.message) && !readKept(statePath(c.apiUrl))) {
      process.stderr.write(
        'kubernaut: the API serves no audit log checkpoint; only the hash chain is verified\n',
      );
      return {};
    }
    return { logError: err.message };
  }
}
