/**
 * `kubernaut`: approve and inspect remediations from the command line. Talks to
 * Temporal (updates, queries, visibility) and to the API (audit, reconstruction,
 * and approvals under an authenticated identity when an API URL and token are set).
 */
import { Client, Connection } from '@temporalio/client';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { describeApprovers } from '../lib/approval-ladder.js';
import { ControlError, decide, listRemediations, liveStatus } from '../lib/remediation-control.js';
import type { LadderState } from '../lib/remediation-view.js';
import { parseDuration } from '../workflows/timeouts.js';
import { checkLog, LogCheckFailure, readKept, statePath } from './audit-log.js';
import { type CliConfig, type GlobalFlags, resolveConfig, rrRef } from './config.js';
import { addHistoryCommand } from './history-command.js';
import { addLogCommands } from './log-commands.js';
import { age, CliError, EXIT, print, printJson, table, timeLeft } from './output.js';
import { addShadowReportCommand } from './shadow-report-command.js';
import { verifyExportFile } from './verify-export.js';

const program = new Command('kubernaut')
  .description('Approve and inspect kubernaut-temporal remediations')
  .option('--temporal-address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS)')
  .option('--temporal-namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE)')
  .option('--api-url <url>', 'kubernaut API base URL (env KUBERNAUT_API_URL)')
  .option('--token <token>', 'API bearer token (env KUBERNAUT_API_TOKEN)')
  .option('-n, --namespace <ns>', 'namespace of the RemediationRequests (env KUBERNAUT_NAMESPACE)')
  .option('--config <file>', 'config file (env KUBERNAUT_CONFIG, default ~/.config/kubernaut/config.yaml)')
  .showHelpAfterError();

const output = () =>
  new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table');
const cfg = (): CliConfig => resolveConfig(program.opts<GlobalFlags>());

let client: Client | undefined;
async function temporal(c: CliConfig): Promise<Client> {
  if (client) return client;
  try {
    const connection = await Connection.connect({ address: c.temporalAddress, connectTimeout: 5000 });
    client = new Client({ connection, namespace: c.temporalNamespace });
    return client;
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${c.temporalAddress}: ${(err as Error).message}`,
      EXIT.unavailable,
    );
  }
}

async function api<T>(c: CliConfig, method: string, path: string, body?: unknown): Promise<T> {
  if (!c.apiUrl) throw new CliError('no API URL: set --api-url or KUBERNAUT_API_URL', EXIT.usage);
  let res: Response;
  try {
    res = await fetch(new URL(path, c.apiUrl), {
      method,
      headers: {
        ...(c.apiToken ? { authorization: `Bearer ${c.apiToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${c.apiUrl}: ${(err as Error).message}`, EXIT.unavailable);
  }
  const payload = (await res.json().catch(() => ({}))) as T & {
    detail?: string;
    title?: string;
    type?: string;
  };
  if (!res.ok) {
    const code =
      // An approval ladder refused the decider (I10): a refusal, not a usage error.
      res.status === 403 && payload.type?.endsWith('/approval-refused')
        ? EXIT.refused
        : res.status === 404
          ? EXIT.notFound
          : res.status === 409 || res.status === 400
            ? EXIT.refused
            : res.status === 401 || res.status === 403
              ? EXIT.usage
              : EXIT.unavailable;
    throw new CliError(payload.detail ?? payload.title ?? `HTTP ${res.status}`, code);
  }
  return payload;
}

function controlFailure(err: unknown): never {
  if (err instanceof ControlError)
    throw new CliError(err.message, err.kind === 'not-found' ? EXIT.notFound : EXIT.refused);
  throw err;
}

for (const decision of ['approve', 'reject'] as const) {
  program
    .command(`${decision} <rr>`)
    .description(
      `${decision === 'approve' ? 'Approve' : 'Reject'} a remediation awaiting approval (<rr> or <namespace>/<rr>)`,
    )
    .option('--reason <text>', 'why; recorded in the RAR and the audit trail')
    .option(
      '--as <user>',
      'who decides, when talking to Temporal directly (with the API, your token decides)',
    )
    .addOption(output())
    .action(async (arg: string, o: { reason?: string; as?: string; output: string }) => {
      const c = cfg();
      const { namespace, name } = rrRef(arg, c);
      let approval: Record<string, unknown>;
      let phase: string;
      if (c.apiUrl && c.apiToken) {
        const r = await api<{ phase: string; approval: Record<string, unknown> }>(
          c,
          'POST',
          `/api/v1/remediation-requests/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${decision}`,
          o.reason ? { reason: o.reason } : {},
        );
        ({ approval, phase } = r);
      } else {
        const view = await decide(await temporal(c), namespace, name, decision, {
          decidedBy: o.as ?? c.user,
          ...(o.reason ? { reason: o.reason } : {}),
        }).catch(controlFailure);
        ({ approval, phase } = view as unknown as { approval: Record<string, unknown>; phase: string });
      }
      if (o.output === 'json') return printJson({ namespace, name, phase, approval });
      const ladder = approval.ladder as LadderState | undefined;
      if (!approval.decision && ladder) {
        // An approval ladder (I10): this approval counted; more are needed.
        return print(
          `approval of ${namespace}/${name} recorded (${ladder.approvals.map((a) => a.approver).join(', ')}); ${ladder.approvalsNeeded} more needed from ${describeApprovers(ladder.eligible)} (tier ${ladder.tier} of ${ladder.tiers} until ${ladder.tierDeadline})`,
        );
      }
      print(
        `${String(approval.decision).toLowerCase()} ${namespace}/${name} (by ${approval.decidedBy}); ${
          phase !== 'AwaitingApproval'
            ? `it is now ${phase}`
            : approval.decision === 'Approved'
              ? 'it proceeds to execution'
              : 'it stops'
        }`,
      );
    });
}

program
  .command('pending')
  .description('Remediations waiting for approval, with the time left')
  .addOption(output())
  .action(async (o: { output: string }) => {
    const c = cfg();
    const t = await temporal(c);
    const waiting = await listRemediations(t, { phase: 'AwaitingApproval' });
    const rows = await Promise.all(
      waiting.map(async (w) => {
        const view = await liveStatus(t, w.namespace, w.name).catch(() => undefined);
        const ladder = view?.approval.ladder;
        return {
          ...w,
          requiredBy: view?.approval.requiredBy,
          workflow: view?.workflowSelection?.workflowId,
          // An approval ladder (I10): the tier and its deadline, who approved, who is still needed.
          ...(ladder
            ? {
                policy: ladder.policy,
                tier: ladder.tier,
                tiers: ladder.tiers,
                tierName: ladder.tierName,
                tierDeadline: ladder.tierDeadline,
                approvedBy: ladder.approvals.map((a) => a.approver),
                approvals: ladder.approvals,
                approvalsRequired: ladder.approvalsRequired,
                approvalsNeeded: ladder.approvalsNeeded,
                eligible: ladder.eligible,
              }
            : {}),
        };
      }),
    );
    if (o.output === 'json') return printJson(rows);
    if (!rows.length) return print('no remediations are waiting for approval');
    const anyLadder = rows.some((r) => r.tier !== undefined);
    print(
      table(
        [
          'NAMESPACE',
          'NAME',
          'SIGNAL',
          'TARGET',
          'WORKFLOW',
          'TIME LEFT',
          ...(anyLadder ? ['TIER', 'TIER LEFT', 'APPROVED', 'NEEDED'] : []),
        ],
        rows.map((r) => [
          r.namespace,
          r.name,
          r.signal,
          r.target,
          r.workflow,
          timeLeft(r.requiredBy),
          ...(anyLadder
            ? r.tier === undefined
              ? ['-', '-', '-', '-']
              : [
                  `${r.tier}/${r.tiers} ${r.tierName}`,
                  timeLeft(r.tierDeadline),
                  r.approvedBy?.length ? r.approvedBy.join(',') : '-',
                  `${r.approvalsNeeded} of ${r.approvalsRequired}: ${describeApprovers(r.eligible!)}`,
                ]
            : []),
        ]),
      ),
    );
  });

program
  .command('status <rr>')
  .description('Phase, children and timeline of one remediation')
  .addOption(output())
  .action(async (arg: string, o: { output: string }) => {
    const c = cfg();
    const { namespace, name } = rrRef(arg, c);
    const v = await liveStatus(await temporal(c), namespace, name).catch(controlFailure);
    if (o.output === 'json') return printJson(v);
    print(`${namespace}/${name}: ${v.phase}${v.outcome ? ` (${v.outcome})` : ''} — ${v.message}`);
    if (v.failurePhase) print(`failed in ${v.failurePhase}: ${v.failureReason ?? ''}`);
    if (v.approval.required) {
      print(
        `approval: ${v.approval.decision ?? `waiting, ${timeLeft(v.approval.requiredBy)} left`}${v.approval.decidedBy ? ` by ${v.approval.decidedBy}` : ''}`,
      );
      const l = v.approval.ladder;
      if (l)
        print(
          `ladder ${l.policy}: tier ${l.tier} of ${l.tiers} (${l.tierName}) until ${l.tierDeadline}; approved by ${l.approvals.map((a) => `${a.approver} (${a.via}, ${a.approvedAt})`).join(', ') || 'nobody yet'}; ${l.approvalsNeeded} of ${l.approvalsRequired} still needed from ${describeApprovers(l.eligible)}`,
        );
    }
    const kids = Object.values(v.children).map((k) => [k!.kind, k!.name]);
    if (kids.length)
      print(`\n${table(['CHILD', 'NAME'], [...kids, ...v.notifications.map((n) => [n.kind, n.name])])}`);
    print(
      `\n${table(
        ['PHASE', 'AT', 'AFTER', 'MESSAGE'],
        v.timeline.map((e) => [e.phase, e.at, age(v.startTime, Date.parse(e.at)), e.message]),
      )}`,
    );
  });

program
  .command('list')
  .description('Remediations, newest first')
  .option('--phase <phase>', 'only this phase, e.g. Executing')
  .option('--since <duration>', 'started within, e.g. 30m or 24h')
  .addOption(output())
  .action(async (o: { phase?: string; since?: string; output: string }) => {
    const c = cfg();
    const sinceMs = o.since ? parseDuration(o.since) : undefined;
    if (o.since && sinceMs === undefined)
      throw new CliError(`--since ${o.since} is not a duration like 30m or 24h`, EXIT.usage);
    const rows = await listRemediations(await temporal(c), { phase: o.phase, sinceMs });
    if (o.output === 'json') return printJson(rows);
    print(
      table(
        ['NAMESPACE', 'NAME', 'PHASE', 'OUTCOME', 'SIGNAL', 'TARGET', 'AGE'],
        rows.map((r) => [r.namespace, r.name, r.phase, r.outcome, r.signal, r.target, age(r.startTime)]),
      ),
    );
  });

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

type VerifyOptions = { output: string; logKey: string[]; acceptNewLog?: boolean; export?: string };

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
  .addOption(output())
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

addLogCommands(program, cfg);
addHistoryCommand(program, cfg, api);
addShadowReportCommand(program, cfg, api);

program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const code = err instanceof CliError ? err.code : EXIT.unavailable;
  process.stderr.write(`kubernaut: ${(err as Error).message}\n`);
  process.exitCode = code;
} finally {
  await client?.connection.close();
}
