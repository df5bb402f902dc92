/**
 * Step 2: audit rows → typed events. One parser per event type (parsers.ts); they
 * define what reconstruction relies on in each event_data, in both dialects: ours
 * (workflows/context.ts, finish.ts, approval.ts, routing.ts, remediation.ts and
 * lib/gateway/audit-events.ts write them) and Kubernaut's (its services' payload
 * schemas, kubernaut-vocabulary.ts). A row whose required fields are missing or
 * mistyped is skipped with a warning; a type nobody parses is ignored with a warning;
 * known types that carry nothing for the RR are accepted silently.
 */
import type { StoredAuditEvent } from '../audit/types.js';
import { Fields, isObject, MalformedEvent } from './fields.js';
import { INFORMATIONAL_TYPES } from './kubernaut-vocabulary.js';
import type { PartialSpec } from './parse-spec.js';
import { PARSERS } from './parsers.js';
import type { EventRef } from './types.js';

export interface Selected {
  workflowId: string;
  version?: string;
  executionBundle?: string;
  actionType?: string;
  confidence?: number;
}

/** A child the event names (Kubernaut's events name their children; ours use child_refs). */
export interface ChildName {
  kind: string;
  name: string;
}

/** What an event says about the RR, by kind. */
export type Payload =
  | {
      kind: 'genesis';
      spec: PartialSpec;
      /** Spec fields computed rather than carried (e.g. Kubernaut's gateway has no targetType). */
      derived: string[];
      receivedAt?: string;
      fromGateway: boolean;
    }
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
  | { kind: 'approval-requested'; requestName: string; requiredBy?: string; selection?: Selected }
  | {
      kind: 'approval-decided';
      decision: string;
      requestName?: string;
      decidedBy?: string;
      decidedAt?: string;
      decisionMessage?: string;
    }
  | { kind: 'analysis-completed'; selection?: Selected; approvalRequired?: boolean; child?: ChildName }
  | { kind: 'selection-completed'; selection: Selected; child?: ChildName }
  | {
      kind: 'finished';
      finalPhase: string;
      outcome?: string;
      /** True when outcome was not carried but inferred from Kubernaut's orchestration outcome. */
      outcomeDerived?: boolean;
      failurePhase?: string;
      failureReason?: string;
      timeoutPhase?: string;
      timeoutTime?: string;
      completedAt?: string;
      message?: string;
      rrStatus?: Record<string, unknown>;
    }
  | { kind: 'verified'; outcome?: string }
  | { kind: 'manual-review'; message?: string }
  | { kind: 'reached'; phase: string; child?: ChildName; selection?: Selected }
  | { kind: 'informational' };

export interface ParsedEvent {
  source: EventRef;
  /** The RR the event is about, when the event says so. */
  rr: { name?: string; namespace?: string };
  /** Metadata the event carries for the RR (event_data.rr_labels / rr_annotations). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  payload: Payload;
}

/**
 * Which writer's conventions the trail follows. A genesis without event_data.spec was
 * written by Kubernaut's gateway; its services leave out what ours always write (phase
 * start times, final phase), so those fall back to the event's own timestamp and type.
 */
export type Dialect = 'ours' | 'kubernaut';

export function dialectOf(rows: StoredAuditEvent[]): Dialect {
  const genesis = rows.find((r) => r.event_type === 'gateway.signal.received');
  return genesis && isObject(genesis.event_data) && !isObject(genesis.event_data.spec) ? 'kubernaut' : 'ours';
}

/**
 * The RR an event names: ours write rr_name / rr_namespace; Kubernaut's orchestrator
 * writes rr_name and the RR's namespace as `namespace`, its gateway
 * `remediation_request` as "namespace/name" (its `namespace` is the target's).
 */
function rrOf(type: string, f: Fields): ParsedEvent['rr'] {
  const ref = f.str('remediation_request');
  const slash = ref?.indexOf('/') ?? -1;
  const fromRef = ref && slash > 0 ? { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) } : {};
  const orchestrator = /^(orchestrator\.|remediation\.|webhook\.remediationrequest\.)/.test(type);
  return {
    name: f.str('rr_name') ?? fromRef.name,
    namespace: f.str('rr_namespace') ?? fromRef.namespace ?? (orchestrator ? f.str('namespace') : undefined),
  };
}

export interface ParseResult {
  events: ParsedEvent[];
  warnings: string[];
  dialect: Dialect;
  /** The event types of the rows that parsed: what this trail can carry. */
  types: Set<string>;
}

const describe = (e: StoredAuditEvent) => `${e.event_type} event ${e.event_id}`;

export function parseEvents(rows: StoredAuditEvent[]): ParseResult {
  const dialect = dialectOf(rows);
  const events: ParsedEvent[] = [];
  const warnings: string[] = [];
  const types = new Set<string>();
  const unknown = new Map<string, number>();
  for (const row of rows) {
    const parser = PARSERS[row.event_type];
    if (!parser && !INFORMATIONAL_TYPES.test(row.event_type)) {
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
      if (!isObject(data)) throw new MalformedEvent('event_data is not an object');
      const f = new Fields(data);
      const payload = parser ? parser(f, { row, dialect }) : { kind: 'informational' as const };
      events.push({
        source,
        rr: rrOf(row.event_type, f),
        labels: f.stringMap('rr_labels'),
        annotations: f.stringMap('rr_annotations'),
        payload,
      });
      types.add(row.event_type);
      for (const d of f.dropped) warnings.push(`${describe(row)}: ignored ${d}`);
    } catch (err) {
      if (!(err instanceof MalformedEvent)) throw err;
      warnings.push(`skipped ${describe(row)}: ${err.message}`);
    }
  }
  for (const [type, n] of unknown) {
    warnings.push(`ignored ${n} event${n === 1 ? '' : 's'} of unknown type ${type}`);
  }
  return { events, warnings, dialect, types };
}
