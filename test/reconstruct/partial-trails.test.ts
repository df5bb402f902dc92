/**
 * Reconstruction of trails that are partial, damaged or absent, and of ids that are
 * hostile: what is missing becomes a warning and lowers completeness, what cannot be
 * parsed is skipped and reported, and no input makes the route fail with a 5xx.
 */
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/writer.js';
import { auditApp } from '../integration/audit-api-fixtures.js';
import { auditPool, newCorrelation } from '../integration/audit-fixtures.js';
import { reconstruct, reconstructed } from './reconstruct-fixtures.js';
import { COMPLETED_TRAIL_FIELDS, completedTrail, type TrailEvent, without } from './trail-fixtures.js';

describe('reconstruction of partial and hostile trails', async () => {
  const pool = auditPool();
  const app = await auditApp(pool);
  const writer = createAuditWriter(pool);
  const store = async (events: TrailEvent[]) => {
    await writer.write(events);
    return events[0]!.correlation_id;
  };
  const pct = (missing: number, total = COMPLETED_TRAIL_FIELDS) =>
    Math.floor((100 * (total - missing)) / total);

  it('a complete trail → 100%, no warnings, and every field traced to the event it came from', async () => {
    const trail = completedTrail(newCorrelation());
    const id = await store(trail);
    const { body, rr } = await reconstructed(app, id, '?provenance=true');
    expect(body.validation).toEqual({ is_valid: true, completeness: 100, errors: [], warnings: [] });
    expect(body.cluster_id).toBe('prod-east-1');
    expect(rr.spec).toEqual(trail[0]!.event_data.spec);
    const p = body.provenance!;
    expect(p['spec.signalName']).toMatchObject({
      event_type: 'gateway.signal.received',
      event_id: trail[0]!.event_id,
    });
    const toExecuting = trail.find((e) => e.event_data.to_phase === 'Executing')!;
    expect(p['status.phaseProgress.executingStartTime']).toEqual({
      event_type: 'orchestrator.lifecycle.transitioned',
      event_id: toExecuting.event_id,
      event_timestamp: toExecuting.event_timestamp,
    });
    expect(p['status.completionStatus.outcome']?.event_type).toBe('orchestrator.lifecycle.completed');
    expect(p['status.conditions']?.via).toBe('derived');
    // Without the flag, no provenance.
    expect((await reconstructed(app, id)).body.provenance).toBeUndefined();
  });

  it('a missing optional event → a warning naming the field, and completeness drops by that field', async () => {
    const id = await store(
      without(completedTrail(newCorrelation()), 'orchestrator.lifecycle.transitioned', 2),
    );
    const { body, rr } = await reconstructed(app, id);
    expect(body.validation.completeness).toBe(pct(1));
    expect(body.validation.is_valid).toBe(true);
    expect(body.validation.warnings).toEqual([
      'status.phaseProgress.executingStartTime is missing: the event that carries it is not in the trail',
    ]);
    // The later transitions still carry the WorkflowExecution ref.
    expect(rr.status?.phaseProgress).toHaveProperty('workflowExecutionRef', {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'WorkflowExecution',
      namespace: 'kubernaut-system',
      name: `workflowexecution-${id}`,
    });
  });

  it('a field no event carried but the final status snapshot has → filled from it, marked, and reported', async () => {
    const id = await store(without(completedTrail(newCorrelation()), 'orchestrator.lifecycle.created'));
    const { body, rr } = await reconstructed(app, id, '?provenance=true');
    expect(rr.status?.timeoutConfig).toEqual({ global: '1h', processing: '5m' });
    expect(body.provenance!['status.timeoutConfig.global']).toMatchObject({
      event_type: 'orchestrator.lifecycle.completed',
      via: 'rr_status',
    });
    expect(body.validation.completeness).toBe(100);
    expect(body.validation.warnings).toEqual([
      expect.stringMatching(
        /^no event carried status\.timeoutConfig\.global, status\.timeoutConfig\.processing; taken from the final status snapshot/,
      ),
    ]);
  });

  it('an in-flight remediation (no completion yet) → its current status, 100% of what it has reached', async () => {
    const trail = completedTrail(newCorrelation());
    const id = await store(trail.slice(0, 9)); // up to the transition to Executing
    const { body, rr } = await reconstructed(app, id);
    expect(body.validation).toMatchObject({ completeness: 100, warnings: [] });
    expect(rr.status).toMatchObject({
      overallPhase: 'Executing',
      conditions: [{ type: 'Ready', status: 'False', reason: 'InProgress' }],
    });
    expect(rr.status?.completedAt).toBeUndefined();
  });

  it('unknown and malformed rows → skipped with a warning each; the rest still rebuilds', async () => {
    const trail = completedTrail(newCorrelation());
    const verifying = trail.find((e) => e.event_data.to_phase === 'Verifying')!;
    delete verifying.event_data.phase_start_time;
    trail.push({ ...trail[1]!, event_id: crypto.randomUUID(), event_type: 'acme.custom.thing' });
    trail.push({ ...trail[1]!, event_id: crypto.randomUUID(), event_type: 'acme.custom.thing' });
    const id = await store(trail);
    const { body, rr } = await reconstructed(app, id);
    expect(body.validation.warnings).toEqual([
      `skipped orchestrator.lifecycle.transitioned event ${verifying.event_id}: event_data.phase_start_time is missing`,
      'ignored 2 events of unknown type acme.custom.thing',
      'status.phaseProgress.verifyingStartTime is missing: the event that carries it is not in the trail',
    ]);
    expect(body.validation.completeness).toBe(pct(1));
    expect(rr.status?.overallPhase).toBe('Completed');
  });

  it('a mistyped optional field → dropped with a warning, not trusted', async () => {
    const trail = completedTrail(newCorrelation());
    (trail[0]!.event_data.spec as Record<string, unknown>).signalLabels = { ok: 'yes', bad: 42 };
    const id = await store(trail);
    const { body, rr } = await reconstructed(app, id);
    expect(rr.spec?.signalLabels).toEqual({ ok: 'yes' });
    expect(body.validation.warnings).toEqual([
      `gateway.signal.received event ${trail[0]!.event_id}: ignored event_data.spec.signalLabels.bad is not a string`,
    ]);
  });

  it('only the genesis event → the spec, a warning that the workflow never reported, and partial completeness', async () => {
    const id = await store(completedTrail(newCorrelation()).slice(0, 1));
    const { body, rr } = await reconstructed(app, id);
    expect(rr.status).toBeUndefined();
    expect(body.validation.is_valid).toBe(true);
    expect(body.validation.completeness).toBe(pct(5, 16)); // 11 identity/spec + 5 status core
    expect(body.validation.warnings[0]).toMatch(/no orchestrator\.lifecycle events/);
  });

  it("a Kubernaut gateway's genesis (no spec object) → the spec from its payload, derived fields marked", async () => {
    const trail = completedTrail(newCorrelation());
    trail[0]!.event_data = {
      event_type: 'gateway.signal.received',
      signal_type: 'alert',
      signal_name: 'HighCPU',
      namespace: 'shop',
      fingerprint: 'a'.repeat(64),
      severity: 'warning',
      resource_kind: 'Deployment',
      resource_name: 'web',
      signal_labels: { alertname: 'HighCPU' },
      original_payload: { status: 'firing' },
    };
    const id = await store(trail);
    const { body, rr } = await reconstructed(app, id, '?provenance=true');
    expect(rr.spec).toMatchObject({
      signalName: 'HighCPU',
      signalFingerprint: 'a'.repeat(64),
      targetResource: { kind: 'Deployment', name: 'web', namespace: 'shop' },
      originalPayload: '{"status":"firing"}',
      // Kubernaut's gateway only creates Kubernetes RRs and writes the event on receipt.
      targetType: 'kubernetes',
      receivedTime: trail[0]!.event_timestamp,
      firingTime: trail[0]!.event_timestamp,
    });
    expect(body.validation.is_valid).toBe(true);
    expect(body.validation.errors).toEqual([]);
    expect(body.provenance!['spec.targetType']?.via).toBe('derived');
    expect(body.provenance!['spec.firingTime']?.via).toBe('derived');
    expect(body.provenance!['spec.signalName']?.via).toBeUndefined();
    expect(body.validation.warnings).toContain(
      `spec.firingTime: the original payload has no start time; used when the signal was received (${trail[0]!.event_timestamp})`,
    );
    // The payload has no annotations: Kubernaut's rule counts them.
    expect(body.validation.warnings).toContain(
      'spec.signalAnnotations is missing: the event that carries it is not in the trail',
    );
    expect(body.validation.completeness).toBeLessThan(100);
  });

  it('labels and annotations carried by events are merged, later events winning per key', async () => {
    const trail = completedTrail(newCorrelation());
    trail[0]!.event_data.rr_labels = { team: 'shop', tier: 'web' };
    trail[1]!.event_data.rr_labels = { tier: 'frontend' };
    trail[1]!.event_data.rr_annotations = { note: 'seen' };
    const id = await store(trail);
    const { rr } = await reconstructed(app, id);
    expect(rr.metadata.labels).toMatchObject({
      team: 'shop',
      tier: 'frontend',
      'kubernaut.ai/reconstructed': 'true',
    });
    expect(rr.metadata.annotations).toMatchObject({
      note: 'seen',
      'kubernaut.ai/reconstruction-source': 'audit-trail',
    });
  });

  it('no genesis event → 400 missing-gateway-event', async () => {
    const id = await store(completedTrail(newCorrelation()).slice(1));
    const res = await reconstruct(app, id);
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'https://kubernaut.ai/problems/reconstruction/missing-gateway-event',
      status: 400,
    });
    expect(res.body.detail).toMatch(/gateway\.signal\.received/);
  });

  it('a genesis too thin to rebuild from (under 50%) → 400 naming the missing fields', async () => {
    const trail = completedTrail(newCorrelation()).slice(0, 1);
    trail[0]!.event_data.spec = { signalName: 'HighCPU' };
    const id = await store(trail);
    const res = await reconstruct(app, id);
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://kubernaut.ai/problems/reconstruction/incomplete-data');
    expect(res.body.detail).toMatch(/only \d+% complete/);
    expect(res.body.detail).toMatch(/spec\.signalFingerprint.*spec\.targetResource\.kind/);
    expect(res.body.field_errors).toHaveProperty(['spec.firingTime']);
  });

  it('an unknown correlation id → 404', async () => {
    const res = await reconstruct(app, newCorrelation('never'));
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('https://kubernaut.ai/problems/audit/correlation-not-found');
  });

  it('hostile correlation ids → a 4xx problem, never a 5xx', async () => {
    const hostile = [
      "'; DROP TABLE audit_events; --",
      "rr' OR '1'='1",
      '../../../etc/passwd',
      '..%2F..%2Fetc%2Fpasswd',
      'ünïcödé-☃-🔥',
      'a'.repeat(5000),
      'a'.repeat(256),
      'nul\u0000byte',
      'new\nline',
      '%',
    ];
    for (const id of hostile) {
      const res = await reconstruct(app, id);
      expect(
        res.status,
        `${JSON.stringify(id).slice(0, 40)}: ${JSON.stringify(res.body)}`,
      ).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    // A raw path with traversal segments and a bad escape, not encoded by the client.
    for (const url of [
      '/api/v1/audit/remediation-requests/../../events/reconstruct',
      '/api/v1/audit/remediation-requests/%E0%A4%A/reconstruct',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { authorization: 'Bearer reader-token-0123456789' },
      });
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url).toBeLessThan(500);
    }
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM audit_events');
    expect(rows[0].n).toBeGreaterThan(0);
  });

  it('needs a reader identity', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/audit/remediation-requests/anything/reconstruct',
    });
    expect(res.statusCode).toBe(401);
  });
});
