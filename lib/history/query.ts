/**
 * Reads the audit rows of every remediation that acted on one target within the
 * tier-2 window (the widest), and builds its history (context.ts). Read-only.
 * The anchor lookups use the partial expression indexes of migration 0011.
 */
import type pg from 'pg';
import {
  buildHistoryContext,
  HISTORY_EVENT_TYPES,
  type HistoryContext,
  type HistoryQuery,
  type HistoryRow,
} from './context.js';

export async function remediationHistory(
  pool: pg.Pool,
  q: HistoryQuery,
  now = Date.now(),
): Promise<HistoryContext> {
  const since = new Date(now - q.tier2Ms);
  const { rows } = await pool.query<HistoryRow>(
    `WITH anchors AS (
       SELECT DISTINCT correlation_id FROM audit_events
        WHERE event_date >= $2::date AND event_timestamp >= $2
          AND ($3::text IS NULL OR cluster_id = $3)
          AND ((event_type = 'workflowexecution.selection.completed' AND event_data->>'target' = $1)
            OR (event_type = 'remediation.workflow_created' AND event_data->>'target_resource' = $1)))
     SELECT correlation_id, event_type, event_timestamp, event_data FROM audit_events
      WHERE correlation_id IN (SELECT correlation_id FROM anchors)
        AND event_date >= $2::date AND event_type = ANY($4)
      ORDER BY event_timestamp, chain_position`,
    [q.target, since, q.clusterId ?? null, HISTORY_EVENT_TYPES],
  );
  return buildHistoryContext(rows, q, now);
}

/** namespace/Kind/name, or Kind/name for a cluster-scoped kind: the form audit rows use. */
export const historyTarget = (t: { kind: string; name: string; namespace?: string }) =>
  `${t.namespace ? `${t.namespace}/` : ''}${t.kind}/${t.name}`;

/** A target's history with Kubernaut's default windows (24 h detailed, 90 d regression). */
export type HistorySource = (
  target: { kind: string; name: string; namespace?: string },
  currentSpecHash: string,
) => Promise<HistoryContext>;

export const historySource =
  (pool: pg.Pool): HistorySource =>
  (target, currentSpecHash) =>
    remediationHistory(pool, {
      target: historyTarget(target),
      currentSpecHash,
      tier1Window: '24h',
      tier1Ms: 24 * 3_600_000,
      tier2Window: '2160h',
      tier2Ms: 2160 * 3_600_000,
    });
