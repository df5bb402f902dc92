/**
 * Step 3c: the status fields the workflow and the gateway compute from others —
 * the Ready condition, the target displays of the workflow selection, and
 * status.deduplication — plus the phases a trail implies were passed.
 */
import { isTerminalPhase } from '../domain.js';
import type { TargetResource } from '../remediation-request.js';
import { targetDisplay } from '../remediation-request.js';
import type { FieldTree } from './fields-tree.js';
import type { Evidence } from './map-status.js';
import type { ParsedEvent } from './parse.js';
import type { EventRef } from './types.js';

/** Reaching a phase means passing the mandatory ones before it (approval and blocks are optional). */
export function closeReachedPhases(ev: Evidence): void {
  const later = ['Analyzing', 'AwaitingApproval', 'Blocked', 'Executing', 'Verifying'];
  const afterAnalysis = ['AwaitingApproval', 'Blocked', 'Executing', 'Verifying'];
  if (later.some((p) => ev.reached.has(p))) ev.reached.add('Processing');
  if (afterAnalysis.some((p) => ev.reached.has(p))) ev.reached.add('Analyzing');
  if (ev.reached.has('Verifying')) ev.reached.add('Executing');
}

/** The Ready condition exactly as workflows/status-projection.ts writes it. */
export function deriveReadyCondition(t: FieldTree): void {
  const phase = t.get('status.overallPhase') as string | undefined;
  const phaseSource = t.sourceOf('status.overallPhase');
  if (!phase || !phaseSource) return;
  const terminal = isTerminalPhase(phase);
  const at = (t.get('status.completedAt') ?? t.get('status.startTime')) as string | undefined;
  t.set(
    'status.conditions',
    [
      {
        type: 'Ready',
        status: terminal && phase === 'Completed' ? 'True' : 'False',
        reason: terminal ? phase : 'InProgress',
        message: (t.get('status.message') as string | undefined) ?? '',
        lastTransitionTime: at ?? phaseSource.event_timestamp,
      },
    ],
    { ...phaseSource, via: 'derived' },
  );
}

/** Both displays name the signal's target, as the workflow writes them. */
export function deriveSelectionDisplays(t: FieldTree): void {
  const target = t.get('spec.targetResource') as TargetResource | undefined;
  const source = t.sourceOf('status.workflowSelection.selectedWorkflowRef.workflowId');
  if (!target?.kind || !target.name || !source) return;
  const display = targetDisplay(target);
  t.set('status.workflowSelection.targetDisplay', display, { ...source, via: 'derived' });
  t.set('status.workflowSelection.signalTargetDisplay', display, { ...source, via: 'derived' });
}

const earliest = (a: string | undefined, b: string | undefined) =>
  !a ? b : !b ? a : Date.parse(a) <= Date.parse(b) ? a : b;
const latest = (a: string | undefined, b: string | undefined) =>
  !a ? b : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b;

/**
 * status.deduplication as the gateway keeps it: the creating signal is occurrence 1
 * (our gateway's genesis says so), each gateway.signal.deduplicated one more. The
 * count is the larger of the rows counted and the highest occurrence number seen,
 * so a lost row does not lower it.
 */
export function deriveDeduplication(
  t: FieldTree,
  events: ParsedEvent[],
  genesis: { source: EventRef; receivedAt?: string; fromGateway: boolean } | undefined,
): string | undefined {
  const dups = events.filter((e) => e.payload.kind === 'deduplicated');
  if (dups.length === 0 && !genesis?.fromGateway) return undefined;
  let first = genesis?.fromGateway ? genesis.receivedAt : undefined;
  let last = first;
  let highest = 0;
  for (const e of dups) {
    if (e.payload.kind !== 'deduplicated') continue;
    first = earliest(first, e.payload.firstSeenAt ?? e.payload.receivedAt);
    last = latest(last, latest(e.payload.lastSeenAt, e.payload.receivedAt));
    highest = Math.max(highest, e.payload.occurrence ?? 0);
  }
  const counted = dups.length + (genesis?.fromGateway ? 1 : 0);
  const source = dups.at(-1)?.source ?? genesis!.source;
  const d = 'status.deduplication';
  t.set(`${d}.firstSeenAt`, first, source);
  t.set(`${d}.lastSeenAt`, last, source);
  t.set(`${d}.occurrenceCount`, Math.max(counted, highest), { ...source, via: 'derived' });
  return highest > counted
    ? `status.deduplication: ${highest - counted} deduplicated occurrence(s) have no audit row; counted ${highest} from the occurrence numbers`
    : undefined;
}
