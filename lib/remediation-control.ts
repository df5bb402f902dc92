/**
 * Operations on running remediations through Temporal: decide an approval (update;
 * a decision that lost to one recorded first, or came too late, is a 'conflict'),
 * read the live view (query), and list remediations by their search attributes.
 * Shared by the API's approval routes and the `kubernaut` CLI.
 */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  approveUpdate,
  type DecisionInput,
  rejectUpdate,
  statusQuery,
  workflowIdFor,
} from './remediation-messages.js';
import type { RemediationView } from './remediation-view.js';
import { inIncidentTrace } from './tracing/incident.js';

export class ControlError extends Error {
  constructor(
    /** forbidden: an approval ladder refused the decider (I10). */
    readonly kind: 'not-found' | 'conflict' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

const notFound = (namespace: string, name: string) =>
  new ControlError('not-found', `no remediation ${namespace}/${name}`);

/** How long a decision waits for the live view before it is sent under the plain update id. */
const LADDER_LOOKUP_MS = 2_000;

export async function decide(
  client: Client,
  namespace: string,
  name: string,
  decision: 'approve' | 'reject',
  input: DecisionInput,
): Promise<RemediationView> {
  const handle = client.workflow.getHandle(workflowIdFor(namespace, name));
  try {
    // One id per RAR, decision and decider: a retried request is the same update,
    // applied once; someone else's same decision is a new update, refused if
    // another was recorded first (rather than answered with that one's success).
    // Under an approval ladder (I10) a refusal is not forever: the same person may
    // be refused in tier 1 and an approver from tier 2 on, or be granted rights on
    // the target — so the id also carries the tier and how often they were refused.
    // The view is asked briefly: with no worker up the update waits for one anyway, under the plain id.
    const ladder = (
      await client.connection
        .withDeadline(Date.now() + LADDER_LOOKUP_MS, () => handle.query(statusQuery))
        .catch(() => undefined)
    )?.approval.ladder;
    const updateId = `rar-${name}-${decision}-${input.decidedBy}${
      ladder ? `-t${ladder.tier}-r${ladder.refusals.filter((x) => x.by === input.decidedBy).length}` : ''
    }`;
    // With tracing on, the decision shows in the incident's trace (lib/tracing/incident.ts).
    return await inIncidentTrace(
      () => handle.describe(),
      `remediation.${decision}`,
      () =>
        handle.executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, {
          args: [input],
          updateId,
        }),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return await endedBeforeDecision(handle, namespace, name);
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as (Error & { type?: string }) | undefined;
      throw new ControlError(
        cause?.type === 'ApprovalRefused' ? 'forbidden' : 'conflict',
        cause?.message ?? err.message,
      );
    }
    throw err;
  }
}

/**
 * An update finds no running workflow: a remediation that has ended (its decision
 * was taken, or it never got that far) is a conflict saying how it ended; one that
 * never existed is not found.
 */
async function endedBeforeDecision(
  handle: ReturnType<Client['workflow']['getHandle']>,
  namespace: string,
  name: string,
): Promise<never> {
  const described = await handle.describe().catch((err) => {
    throw err instanceof WorkflowNotFoundError ? notFound(namespace, name) : err;
  });
  const sa = described.searchAttributes as Record<string, unknown>;
  const phase = kw(sa, 'RemediationPhase') ?? described.status.name;
  const decided = kw(sa, 'ApprovalState');
  throw new ControlError(
    'conflict',
    decided === 'Approved' || decided === 'Rejected' || decided === 'Expired'
      ? `remediation ${name} was already ${decided.toLowerCase()}; it is ${phase}`
      : `no remediation ${name} awaiting approval; it is ${phase}`,
  );
}

export async function liveStatus(client: Client, namespace: string, name: string): Promise<RemediationView> {
  try {
    return await client.workflow.getHandle(workflowIdFor(namespace, name)).query(statusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(namespace, name);
    throw err;
  }
}

export interface RemediationSummary {
  namespace: string;
  name: string;
  phase: string;
  outcome?: string;
  signal?: string;
  severity?: string;
  target?: string;
  approval?: string;
  startTime: string;
  closeTime?: string;
}

const kw = (sa: Record<string, unknown> | undefined, key: string) => {
  const v = sa?.[key];
  return Array.isArray(v) ? (v[0] as string | undefined) : (v as string | undefined);
};

/** Remediations from Temporal visibility, newest first; filters are search-attribute queries. */
export async function listRemediations(
  client: Client,
  filter: { phase?: string; sinceMs?: number; limit?: number } = {},
): Promise<RemediationSummary[]> {
  const clauses = ["WorkflowType = 'remediationWorkflow'"];
  if (filter.phase) clauses.push(`RemediationPhase = '${filter.phase.replace(/[^A-Za-z]/g, '')}'`);
  if (filter.sinceMs) clauses.push(`StartTime > '${new Date(Date.now() - filter.sinceMs).toISOString()}'`);
  const out: RemediationSummary[] = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
    const m = /^rr\/([^/]+)\/(.+)$/.exec(wf.workflowId);
    if (!m) continue;
    const sa = wf.searchAttributes as Record<string, unknown>;
    out.push({
      namespace: m[1]!,
      name: m[2]!,
      phase: kw(sa, 'RemediationPhase') ?? 'Pending',
      outcome: kw(sa, 'RemediationOutcome'),
      signal: kw(sa, 'SignalName'),
      severity: kw(sa, 'Severity'),
      target: kw(sa, 'TargetResource'),
      approval: kw(sa, 'ApprovalState'),
      startTime: wf.startTime.toISOString(),
      closeTime: wf.closeTime?.toISOString(),
    });
    if (out.length >= (filter.limit ?? 500)) break;
  }
  return out.sort((a, b) => b.startTime.localeCompare(a.startTime));
}
