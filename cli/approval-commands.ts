/**
 * Deciding approvals from the command line: `kubernaut approve|reject <rr>` (through
 * the API under the token's identity when an API URL and token are set, else as
 * --as straight to Temporal) and `kubernaut pending`, the remediations waiting for
 * one — with, under an approval ladder (I10), the tier, who approved and who is
 * still needed.
 */
import type { Command } from 'commander';
import { describeApprovers } from '../lib/approval-ladder.js';
import { decide, listRemediations, liveStatus } from '../lib/remediation-control.js';
import type { LadderState } from '../lib/remediation-view.js';
import { api, controlFailure, temporal } from './clients.js';
import { type CliConfig, rrRef } from './config.js';
import { outputOption, print, printJson, table, timeLeft } from './output.js';

export function addApprovalCommands(program: Command, cfg: () => CliConfig) {
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
      .addOption(outputOption())
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
    .addOption(outputOption())
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
}
