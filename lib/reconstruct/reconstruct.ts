/**
 * The reconstruction pipeline (DESIGN §8): query → parse → map → build → validate
 * → YAML. Each step is its own module; this one runs them in order and decides when
 * there is nothing worth returning (no events, no genesis, under 50% complete).
 */
import type pg from 'pg';
import { buildRemediationRequest, type RebuiltRemediationRequest } from './build.js';
import { ReconstructionError } from './errors.js';
import { mapEvents } from './map.js';
import { parseEvents } from './parse.js';
import { loadTrail, MAX_TRAIL_ROWS } from './query.js';
import type { Provenance, Validation } from './types.js';
import { validateReconstruction } from './validate.js';
import { toYaml } from './yaml.js';

/** Below this completeness the result is refused rather than returned (Kubernaut's threshold). */
export const MIN_COMPLETENESS = 50;

export interface Reconstruction {
  correlationId: string;
  reconstructedAt: string;
  remediationRequest: RebuiltRemediationRequest;
  yaml: string;
  validation: Validation;
  provenance: Provenance;
  /** The cluster the signal came from, when the spec names one. */
  clusterId?: string;
}

export async function reconstructRemediationRequest(
  pool: pg.Pool,
  correlationId: string,
  opts: { now?: () => Date; maxRows?: number } = {},
): Promise<Reconstruction> {
  const trail = await loadTrail(pool, correlationId, opts.maxRows ?? MAX_TRAIL_ROWS);
  if (trail.rows.length === 0) {
    throw new ReconstructionError('no-events', `no audit events for correlation_id ${correlationId}`);
  }
  const parsed = parseEvents(trail.rows);
  const mapped = mapEvents(correlationId, parsed.events);
  if (!mapped.genesis) {
    const about = parsed.warnings.filter((w) => w.includes('gateway.signal.received'));
    throw new ReconstructionError(
      'missing-genesis',
      `gateway.signal.received event is required for reconstruction: none of the ${trail.rows.length} events of ${correlationId} is a usable one, so the spec cannot be rebuilt${about.length ? ` (${about.join('; ')})` : ''}`,
    );
  }
  const reconstructedAt = (opts.now?.() ?? new Date()).toISOString();
  const rr = buildRemediationRequest(mapped, correlationId, reconstructedAt);
  const { missing, ...validation } = validateReconstruction({
    tree: mapped.tree,
    evidence: mapped.evidence,
    dialect: parsed.dialect,
    types: parsed.types,
    warnings: [
      ...(trail.truncated
        ? [`the trail has more than ${opts.maxRows ?? MAX_TRAIL_ROWS} events; the newest were not read`]
        : []),
      ...parsed.warnings,
      ...mapped.warnings,
    ],
  });
  if (validation.completeness < MIN_COMPLETENESS) {
    throw new ReconstructionError(
      'incomplete',
      `the reconstructed RemediationRequest is only ${validation.completeness}% complete (at least ${MIN_COMPLETENESS}% is needed); missing: ${missing.join(', ')}`,
      missing,
    );
  }
  const clusterId = rr.spec.clusterID;
  return {
    correlationId,
    reconstructedAt,
    remediationRequest: rr,
    yaml: toYaml(rr),
    validation,
    provenance: mapped.tree.provenance,
    ...(typeof clusterId === 'string' ? { clusterId } : {}),
  };
}
