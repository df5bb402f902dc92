/**
 * `kubernaut shadow-report --scope <namespace> --since 7d`: per workflow, how often
 * shadow remediations would have acted and how often a later signal or a person
 * contradicted them (GET /api/v1/shadow-report; docs/policies.md "Shadow report") —
 * the evidence for promoting a workflow from Shadow to ApprovalRequired to Automatic.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { ShadowReport } from '../lib/audit/shadow-report.js';
import type { CliConfig } from './config.js';
import { print, printJson, table } from './output.js';

type Api = <T>(c: CliConfig, method: string, path: string) => Promise<T>;

const pct = (n: number, of: number) => (of ? `${Math.round((100 * n) / of)}%` : '-');

export function addShadowReportCommand(program: Command, cfg: () => CliConfig, api: Api) {
  program
    .command('shadow-report')
    .description('Per workflow: how often shadow remediations would have acted, and were contradicted')
    .option('--scope <namespace>', 'target namespace (default: every scope)')
    .option('--since <when>', 'RFC 3339 or relative (30m, 24h, 7d)', '7d')
    .option('--until <when>', 'RFC 3339 or relative (default: now)')
    .option('--window <duration>', 'how long after a decision a signal or a person contradicts it', '1h')
    .option('--json', 'the report as JSON (same as -o json)')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action(
      async (o: {
        scope?: string;
        since: string;
        until?: string;
        window: string;
        json?: boolean;
        output: string;
      }) => {
        const q = new URLSearchParams({
          since: o.since,
          window: o.window,
          ...(o.scope ? { scope: o.scope } : {}),
          ...(o.until ? { until: o.until } : {}),
        });
        const r = await api<ShadowReport>(cfg(), 'GET', `/api/v1/shadow-report?${q}`);
        if (o.json || o.output === 'json') return printJson(r);
        print(
          `shadow decisions ${r.scope ? `in ${r.scope} ` : ''}from ${r.since} to ${r.until}; contradicted within ${r.window_ms / 60_000} min`,
        );
        if (r.truncated) print('(only the first 10000 decisions are counted)');
        if (!r.workflows.length) return print('no shadow decisions');
        print(
          table(
            [
              'WORKFLOW',
              'DECISIONS',
              'WOULD ACT',
              'NEEDS APPROVAL',
              'WOULD WAIT',
              'CONTRADICTED',
              'BY SIGNAL',
              'BY PERSON',
              'OPEN',
            ],
            r.workflows.map((w) => [
              w.workflowId,
              String(w.decisions),
              `${w.wouldAct} (${pct(w.wouldAct, w.decisions)})`,
              String(w.wouldRequireApproval),
              String(w.wouldWait),
              `${w.contradicted} (${pct(w.contradicted, w.decisions)})`,
              String(w.contradictedBySignal),
              String(w.contradictedByPerson),
              String(w.open),
            ]),
          ),
        );
      },
    );
}
