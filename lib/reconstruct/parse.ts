/**
 * Step 2: audit rows → typed events. One parser per event type; they define what
 * reconstruction relies on in each event_data (see workflows/context.ts, approval.ts,
 * routing.ts, remediation.ts and lib/gateway/audit-events.ts, which write them).
 * A row whose required fields are missing or mistyped is skipped with a warning; a
 * type nobody parses is ignored with a warning; known types that carry nothing for
 * the RR are accepted silently.
 */
import type { StoredAuditEvent } from '../audit/types.js';
import { Fields, MalformedEvent } from './fields.js';
import { type PartialSpec, specFromGenesis } from './parse-spec.js';
import type { EventRef } from './types.js';

export interface Selected {
  workflowId: string;
  version?: string;
  executionBundle?: string;
  actionType?: string;
  confidence?: number;
}

/** What an event says about the RR, by kind. */
export type Payload =
  | { kind: 'genesis'; spec: PartialSpec; receivedAt?: string; fromGateway: boolean }
  | {
      kind: 'deduplicated';
      occurrence?: number;
      firstSeenAt?: string;
      lastSeenAt?: string;
      receivedAt?: string;
    }
  | { kind: 'crd-created'; uid?: string }
  | { kind: 'started' }
  | { kind: 'created'; timeoutConfig: Record<string, string> }
  | {
      kind: 'transitioned';
      from?: string;
      to: string;
      message?: string;
      phaseStartTime: string;
      childRefs?: Record<string, string>;
      notificationRefs?: string[];
      routingStatus?: Record<string, string>;
    }
  | {
      kind: 'blocked';
      blockReason: string;
      blockMessage?: string;
      blockedUntil?: string;
      duplicateOf?: string;
    }
  | { kind: 'approval-requested'; requestName: string; requiredBy?: string }
  | {
      kind: 'approval-decided';
      decision: string;
      requestName?: string;
      decidedBy?: string;
      decidedAt?: string;
      decisionMessage?: string;
    }
  | { kind: 'analysis-completed'; selection?: Selected; approvalRequired?: boolean }
  | { kind: 'selection-completed'; selection: Selected }
  | {
      kind: 'finished';
      finalPhase: string;
      outcome?: string;
      failurePhase?: string;
      failureReason?: string;
      timeoutPhase?: string;
      timeoutTime?: string;
      completedAt?: string;
      message?: string;
      rrStatus?: Record<string, unknown>;
    }
  | { kind: 'reached'; phase: string }
  | { kind: 'informational' };

export interface ParsedEvent {
  source: EventRef;
  /** The RR the event is about, when the event says so (event_data.rr_name / rr_namespace). */
  rr: { name?: string; namespace?: string };
  /** Metadata the event carries for the RR (event_data.rr_labels / rr_annotations). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  payload: Payload;
}

type Parser = (f: Fields) => Payload;

function selected(o: Record<string, unknown> | undefined): Selected | undefined {
  if (!o) return undefined;
  const s = new Fields(o);
  const workflowId = s.str('workflowId');
  if (!workflowId) return undefined;
  return {
    workflowId,
    version: s.str('version'),
    executionBundle: s.str('executionBundle'),
    actionType: s.str('actionType'),
    confidence: s.num('confidence'),
  };
}

const finished: Parser = (f) => ({
  kind: 'finished',
  finalPhase: f.requiredStr('final_phase'),
  outcome: f.str('outcome'),
  failurePhase: f.str('failure_phase'),
  failureReason: f.str('failure_reason'),
  timeoutPhase: f.str('timeout_phase'),
  timeoutTime: f.time('timeout_time'),
  completedAt: f.time('completed_at'),
  message: f.str('message'),
  rrStatus: f.obj('rr_status'),
});

const decided: Parser = (f) => ({
  kind: 'approval-decided',
  decision: f.requiredStr('decision'),
  requestName: f.str('approval_request'),
  decidedBy: f.str('decided_by'),
  decidedAt: f.time('decided_at'),
  decisionMessage: f.str('decision_message'),
});

const PARSERS: Record<string, Parser> = {
  'gateway.signal.received': (f) => ({
    kind: 'genesis',
    spec: specFromGenesis(f),
    receivedAt: f.time('received_at'),
    // Only our gateway counts the creating signal as occurrence 1 of status.deduplication.
    fromGateway: f.str('deduplication_status') === 'new' && f.obj('spec') !== undefined,
  }),
  'gateway.signal.deduplicated': (f) => ({
    kind: 'deduplicated',
    occurrence: f.num('occurrence_count'),
    firstSeenAt: f.time('first_seen_at'),
    lastSeenAt: f.time('last_seen_at'),
    receivedAt: f.time('received_at'),
  }),
  'gateway.crd.created': (f) => ({ kind: 'crd-created', uid: f.str('uid') }),
  'orchestrator.lifecycle.started': () => ({ kind: 'started' }),
  'orchestrator.lifecycle.created': (f) => {
    const config = f.stringMap('timeout_config');
    if (!config) throw new MalformedEvent('event_data.timeout_config is missing');
    return { kind: 'created', timeoutConfig: config };
  },
  'orchestrator.lifecycle.transitioned': (f) => ({
    kind: 'transitioned',
    from: f.str('from_phase'),
    to: f.requiredStr('to_phase'),
    message: f.str('message'),
    phaseStartTime: f.requiredTime('phase_start_time'),
    childRefs: f.stringMap('child_refs'),
    notificationRefs: f.stringList('notification_refs'),
    routingStatus: f.stringMap('routing_status'),
  }),
  'orchestrator.routing.blocked': (f) => ({
    kind: 'blocked',
    blockReason: f.requiredStr('block_reason'),
    blockMessage: f.str('block_message'),
    blockedUntil: f.time('blocked_until'),
    duplicateOf: f.str('duplicate_of'),
  }),
  'orchestrator.approval.requested': (f) => ({
    kind: 'approval-requested',
    requestName: f.requiredStr('approval_request'),
    requiredBy: f.time('required_by'),
  }),
  'orchestrator.approval.approved': decided,
  'orchestrator.approval.rejected': decided,
  'orchestrator.approval.expired': decided,
  'aianalysis.analysis.completed': (f) => ({
    kind: 'analysis-completed',
    selection: selected(f.obj('selected_workflow')),
    approvalRequired: f.bool('approval_required'),
  }),
  'workflowexecution.selection.completed': (f) => {
    const selection = selected(f.data);
    if (!selection) throw new MalformedEvent('event_data.workflowId is missing');
    return { kind: 'selection-completed', selection };
  },
  'orchestrator.lifecycle.completed': finished,
  'orchestrator.lifecycle.failed': finished,
  // Evidence that a phase was reached, even when its transition row is missing.
  'signalprocessing.enrichment.completed': () => ({ kind: 'reached', phase: 'Processing' }),
  'aianalysis.analysis.failed': () => ({ kind: 'reached', phase: 'Analyzing' }),
  'workflowexecution.execution.started': () => ({ kind: 'reached', phase: 'Executing' }),
  'workflowexecution.workflow.completed': () => ({ kind: 'reached', phase: 'Executing' }),
  'workflowexecution.workflow.failed': () => ({ kind: 'reached', phase: 'Executing' }),
};

/** Known types that say nothing about the RR object itself (an ignored decision changed nothing). */
const INFORMATIONAL = /^(notification\.|effectiveness\.|orchestrator\.approval\.ignored$)/;

export interface ParseResult {
  events: ParsedEvent[];
  warnings: string[];
}

const describe = (e: StoredAuditEvent) => `${e.event_type} event ${e.event_id}`;

export function parseEvents(rows: StoredAuditEvent[]): ParseResult {
  const events: ParsedEvent[] = [];
  const warnings: string[] = [];
  const unknown = new Map<string, number>();
  for (const row of rows) {
    const parser = PARSERS[row.event_type];
    if (!parser && !INFORMATIONAL.test(row.event_type)) {
      unknown.set(row.event_type, (unknown.get(row.event_type) ?? 0) + 1);
      continue;
    }
    const source: EventRef = {
      event_type: row.event_type,
      event_id: row.event_id,
      event_timestamp: row.event_timestamp,
    };
    try {
      const data = row.event_data;
      if (!data || typeof data !== 'object' || Array.isArray(data))
        throw new MalformedEvent('event_data is not an object');
      const f = new Fields(data);
      const payload = parser ? parser(f) : { kind: 'informational' as const };
      events.push({
        source,
        rr: { name: f.str('rr_name'), namespace: f.str('rr_namespace') },
        labels: f.stringMap('rr_labels'),
        annotations: f.stringMap('rr_annotations'),
        payload,
      });
      for (const d of f.dropped) warnings.push(`${describe(row)}: ignored ${d}`);
    } catch (err) {
      if (!(err instanceof MalformedEvent)) throw err;
      warnings.push(`skipped ${describe(row)}: ${err.message}`);
    }
  }
  for (const [type, n] of unknown) {
    warnings.push(`ignored ${n} event${n === 1 ? '' : 's'} of unknown type ${type}`);
  }
  return { events, warnings };
}
