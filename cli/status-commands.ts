/**
 * Inspecting remediations from Temporal: `kubernaut status <rr>` (phase, approval,
 * children and timeline of one) and `kubernaut list` (newest first, by phase or age).
 */
import type { Command } from 'commander';
import { describeApprovers } from '../lib/approval-ladder.js';
import { listRemediations, liveStatus } from '../lib/remediation-control.js';
import { parseDuration } from '../workflows/timeouts.js';
import { controlFailure, temporal } from './clients.js';
import { type CliConfig, rrRef } from './config.js';
import { age, CliError, EXIT, outputOption, print, printJson, table, timeLeft } from './output.js';

export function addStatusCommands(program: Command, cfg: () => CliConfig) {
  program
    .command('status <rr>')
    .description('Phase, children and timeline of one remediation')
    .addOption(outputOption())
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
    .addOption(outputOption())
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
}
