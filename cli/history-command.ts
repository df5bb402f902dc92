/**
 * `kubernaut history <kind>/<name> -n <ns>`: what was tried on an object, when,
 * with what effect (GET /api/v1/remediation-history/context). The current spec
 * hash, which the API compares with each remediation's before/after hashes, is
 * read from the cluster when a kubeconfig reaches it, or given with --spec-hash.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { HistoryContext } from '../lib/history/context.js';
import { loadKubeConfig } from '../lib/kube/client.js';
import { targetSpecHash } from '../lib/kube/target.js';
import type { CliConfig } from './config.js';
import { age, CliError, EXIT, print, printJson, table } from './output.js';

type Api = <T>(c: CliConfig, method: string, path: string) => Promise<T>;
const CLUSTER_SCOPED = ['Node', 'PersistentVolume', 'Namespace'];

async function currentHash(t: { kind: string; name: string; namespace?: string }): Promise<string> {
  try {
    return (await targetSpecHash(loadKubeConfig(), t)) ?? 'absent';
  } catch {
    return 'unknown'; // no cluster reachable: nothing will compare equal
  }
}

export function addHistoryCommand(program: Command, cfg: () => CliConfig, api: Api) {
  program
    .command('history <kind/name>')
    .description('Show what was tried on an object, when, and with what effect (uses -n for its namespace)')
    .option('--spec-hash <hash>', "the object's current spec hash (default: read from the cluster)")
    .option('--window <duration>', 'detailed window, a Go duration', '24h')
    .option('--regression-window <duration>', 'how far back to look for the same spec', '2160h')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action(
      async (
        ref: string,
        o: { specHash?: string; window: string; regressionWindow: string; output: string },
      ) => {
        const c = cfg();
        const [kind, name, extra] = ref.split('/');
        if (!kind || !name || extra !== undefined)
          throw new CliError(
            `expected <kind>/<name>, like Deployment/web, got ${JSON.stringify(ref)}`,
            EXIT.usage,
          );
        const namespace = CLUSTER_SCOPED.includes(kind) ? undefined : c.namespace;
        const hash = o.specHash ?? (await currentHash({ kind, name, namespace }));
        const q = new URLSearchParams({
          targetKind: kind,
          targetName: name,
          targetNamespace: namespace ?? '',
          currentSpecHash: hash,
          tier1Window: o.window,
          tier2Window: o.regressionWindow,
        });
        const h = await api<HistoryContext>(c, 'GET', `/api/v1/remediation-history/context?${q}`);
        if (o.output === 'json') return printJson(h);
        print(`${h.targetResource}: ${h.tier1.chain.length} remediation(s) in the last ${h.tier1.window}`);
        if (h.regressionDetected)
          print('regression: the current spec is one a remediation started from before (it came back)');
        const rows = [...h.tier2.chain, ...h.tier1.chain].map((e) => [
          age(e.completedAt),
          e.remediationUID,
          e.workflowId ?? e.actionType ?? 'none',
          e.outcome,
          e.signalResolved === true ? 'resolved' : e.signalResolved === false ? 'not resolved' : '-',
          e.effectivenessScore == null ? '-' : e.effectivenessScore.toFixed(2),
          e.hashMatch,
        ]);
        if (rows.length)
          print(table(['AGO', 'REMEDIATION', 'WORKFLOW', 'OUTCOME', 'SIGNAL', 'SCORE', 'SPEC NOW'], rows));
      },
    );
}
