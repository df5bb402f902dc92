/**
 * `kubernaut`: approve and inspect remediations from the command line. Talks to
 * Temporal (updates, queries, visibility) and to the API (audit, reconstruction,
 * and approvals under an authenticated identity when an API URL and token are set).
 */
import { Command } from 'commander';
import { addApprovalCommands } from './approval-commands.js';
import { addAuditCommands } from './audit-commands.js';
import { api, closeTemporal } from './clients.js';
import { type CliConfig, type GlobalFlags, resolveConfig } from './config.js';
import { addHistoryCommand } from './history-command.js';
import { addLogCommands } from './log-commands.js';
import { CliError, EXIT } from './output.js';
import { addShadowReportCommand } from './shadow-report-command.js';
import { addStatusCommands } from './status-commands.js';

const program = new Command('kubernaut')
  .description('Approve and inspect kubernaut-temporal remediations')
  .option('--temporal-address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS)')
  .option('--temporal-namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE)')
  .option('--api-url <url>', 'kubernaut API base URL (env KUBERNAUT_API_URL)')
  .option('--token <token>', 'API bearer token (env KUBERNAUT_API_TOKEN)')
  .option('-n, --namespace <ns>', 'namespace of the RemediationRequests (env KUBERNAUT_NAMESPACE)')
  .option('--config <file>', 'config file (env KUBERNAUT_CONFIG, default ~/.config/kubernaut/config.yaml)')
  .showHelpAfterError();

const cfg = (): CliConfig => resolveConfig(program.opts<GlobalFlags>());

// Registered in this order: it is the order `kubernaut --help` lists them in.
addApprovalCommands(program, cfg);
addStatusCommands(program, cfg);
addAuditCommands(program, cfg);
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
  await closeTemporal();
}
