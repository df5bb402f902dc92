/**
 * Hostile input (DESIGN §12): a seeded, bounded property-based fuzz run over every
 * HTTP route of the API — audit write/batch/query/verify-chain/legal-hold,
 * reconstruction, both signal routes (gateway on, against the test cluster) and the
 * approval routes (with a Temporal client). Every answer is below 500, the app keeps
 * answering /healthz, and data that existed before the run is unchanged.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { StaticToken } from '../../api/auth/static-tokens.js';
import { loadGatewayConfig } from '../../api/gateway-config.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { alertmanagerPayload, deploymentWithPods, listRRs, podAlert } from '../gateway/gateway-fixtures.js';
import { stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { auditEvent } from '../integration/audit-fixtures.js';
import { reportFigures } from './report.js';

const SEED = 0x5eed_2026;
/** Multiplies every route's number of runs; 4 keeps the whole file near a minute on 2 cores. */
const RUNS = 4;
const TOKEN = 'fuzz-all-roles-token-0123456789';
const tokens: StaticToken[] = [
  { token: TOKEN, name: 'fuzzer', roles: ['writer', 'reader', 'admin', 'approver'], kind: 'user' },
];

/** Strings attackers and broken clients send. */
const NASTY = [
  "'; DROP TABLE audit_events; --",
  "' OR '1'='1",
  '1; SELECT pg_sleep(10)',
  "rr') UNION SELECT event_hash FROM audit_events --",
  '$1',
  '%',
  '_',
  '\\',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f',
  '/',
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uFFFF',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚨 זה טקסט',
  '!!python/object/apply:os.system ["id"]',
  '&anchor [*anchor, *anchor, *anchor]',
  '{{ .Values.secret }}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style string, sent literally
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '1e309',
  '9999999999999999999999',
  '2025-13-45T99:99:99Z',
  'rr-does-not-exist',
];

const nastyString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 300_000 }).map((n) => 'x'.repeat(n)) },
);

/**
 * A value nested `depth` levels (up to 100,000), kept as a marker: JSON.stringify
 * overflows the stack on it in this process too, so `serialize` writes its text.
 */
class Deep {
  constructor(
    readonly depth: number,
    readonly arraysOnly: boolean,
  ) {}
  text(): string {
    if (this.arraysOnly) return `${'['.repeat(this.depth)}"deep"${']'.repeat(this.depth)}`;
    const half = Math.ceil(this.depth / 2);
    return `${'{"a":['.repeat(half)}"deep"${']}'.repeat(half)}`;
  }
}

const DEEP_TOKEN = `deep-${randomUUID()}`;

/** JSON text of `json` with each Deep written out (undefined for undefined, as JSON.stringify). */
function serialize(json: unknown): string | undefined {
  const deep: Deep[] = [];
  const text = JSON.stringify(json, (_key, v) =>
    v instanceof Deep ? `${DEEP_TOKEN}:${deep.push(v) - 1}` : v,
  );
  if (!deep.length || text === undefined) return text;
  return text.replace(new RegExp(`"${DEEP_TOKEN}:(\\d+)"`, 'g'), (_m, i: string) => deep[Number(i)]!.text());
}

/** Any JSON-ish value, nasty strings included, some nested deep. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      true,
      0,
      -1,
      1.5,
      Number.MAX_SAFE_INTEGER,
      [],
      {},
      { $ne: 1 },
      { __proto__: { admin: true } },
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.integer({ min: 10, max: 2_000 }),
          fc.integer({ min: 2_000, max: 100_000 }),
          // Around the API's ceiling (64) and where recursion on the server used to overflow.
          fc.constantFrom(64, 65, 4_300, 5_000, 100_000),
        ),
        fc.boolean(),
      )
      .map(([depth, arraysOnly]) => new Deep(depth, arraysOnly)),
  },
);

/** Replaces, deletes or adds a field of a valid object (possibly nested one level). */
function mutate<T extends Record<string, unknown>>(valid: T): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  if (keys.length === 0) keys.push('field');
  return fc
    .tuple(
      fc.constantFrom(...keys),
      fc.constantFrom('replace', 'delete', 'add', 'nested'),
      nastyValue,
      nastyString,
    )
    .map(([key, op, value, newKey]) => {
      const copy: Record<string, unknown> = structuredClone(valid);
      if (op === 'replace') copy[key] = value;
      else if (op === 'delete') delete copy[key];
      else if (op === 'add') copy[newKey.slice(0, 200)] = value;
      else {
        const inner = copy[key];
        if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
          const innerKeys = Object.keys(inner);
          const k = innerKeys[newKey.length % Math.max(innerKeys.length, 1)] ?? newKey.slice(0, 50);
          (inner as Record<string, unknown>)[k] = value;
        } else copy[key] = value;
      }
      return copy;
    });
}

/** A body: a mutated valid payload, any nasty value, or raw text that is not JSON. */
function bodyFor(valid: Record<string, unknown>): fc.Arbitrary<{ raw?: string; json?: unknown }> {
  return fc.oneof(
    { weight: 6, arbitrary: mutate(valid).map((json) => ({ json })) },
    { weight: 2, arbitrary: nastyValue.map((json) => ({ json })) },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            '{',
            '{"a":',
            '[[[[[[[[[[[[[[[[',
            `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
            `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
            '{"__proto__":{"admin":true}}',
            '{"constructor":{"prototype":{"admin":true}}}',
            'null',
            '"just a string"',
            'key: value\n- !!binary aGk=',
            '\uFEFF{}',
          ),
          fc.string({ unit: 'binary', maxLength: 200 }),
        )
        .map((raw) => ({ raw })),
    },
  );
}

/** encodeURIComponent, except that lone surrogates (which it refuses) go through raw. */
function encodeLoosely(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s.replaceAll('/', '%2F').replaceAll('?', '%3F').replaceAll('#', '%23').replaceAll('&', '%26');
  }
}

/** A path segment that may be hostile, encoded as a client would (or would not). */
const hostileSegment = fc.oneof(
  nastyString.map((s) => encodeLoosely(s.slice(0, 400))),
  fc.constantFrom('..', '.', '..%2F..%2Fetc', '%00', '%', '%zz', 'a/b', 'rr-x/../../etc', 'Ünïcode'),
);

const queryParam = fc.constantFrom(
  'correlation_id',
  'event_type',
  'event_category',
  'event_outcome',
  'severity',
  'since',
  'until',
  'detail_key',
  'detail_value',
  'limit',
  'offset',
  'cursor',
  'provenance',
  '__proto__',
  'unknown',
);
const queryString = fc
  .array(
    fc.tuple(
      queryParam,
      nastyString.map((s) => s.slice(0, 5000)),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeLoosely(v)}`).join('&'));

interface Req {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  url: string;
  body?: { raw?: string; json?: unknown };
  contentType?: string;
  auth?: string;
}

describe('hostile input on every route', { timeout: 600_000 }, () => {
  const pool = new pg.Pool({ connectionString: stackInfo().databaseUrl, max: 10 });
  let app: FastifyInstance;
  let connection: Connection;
  let controller: string;
  let workloads: string;
  let pods: string[];
  const seeded = uniqueName('fuzz-seeded');
  const fuzzPrefix = 'fz-';
  const findings: { req: Req; status: number; body: string }[] = [];
  let requests = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    [controller, workloads] = await Promise.all([testNamespace('fuzz-ctl'), testNamespace('fuzz-wl')]);
    connection = await Connection.connect({ address: stackInfo().temporalAddress });
    app = await buildApp({
      pool,
      config: { tokens, maxBatchSize: 50, bodyLimit: 1024 * 1024 },
      temporal: new Client({ connection, namespace: stackInfo().temporalNamespace }),
      gateway: {
        kubeConfig: loadKubeConfig(stackInfo().kubeconfigPath),
        config: { ...loadGatewayConfig({}), controllerNamespace: controller, bodyLimit: 256 * 1024 },
      },
    });
    pods = await deploymentWithPods(workloads, uniqueName('web'), 1);
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await pool.end();
  });

  async function send(req: Req) {
    requests++;
    const headers: Record<string, string> = {};
    if (req.auth !== undefined) headers.authorization = req.auth;
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    let payload: string | undefined;
    if (req.body) {
      payload = req.body.raw ?? serialize(req.body.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await app.inject({
      method: req.method,
      url: req.url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) findings.push({ req, status: res.statusCode, body: res.body.slice(0, 500) });
    return res;
  }

  const auth = fc.oneof(
    { weight: 8, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN} extra`,
        `Bearer ${'a'.repeat(10_000)}`,
        "Bearer ' OR 1=1 --",
      ),
    },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/yaml',
        'application/json; charset=utf-16',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        '',
      ),
    },
  );

  /** Runs `numRuns` seeded requests of `arb` and checks none was answered with a 5xx. */
  async function fuzz(name: string, arb: fc.Arbitrary<Req>, numRuns: number) {
    await fc.assert(
      fc.asyncProperty(arb, auth, contentType, async (req, a, ct) => {
        const res = await send({
          ...req,
          auth: req.auth ?? a,
          ...(ct !== undefined ? { contentType: ct } : {}),
        });
        return res.statusCode < 500;
      }),
      { seed: SEED, numRuns: numRuns * RUNS, endOnFailure: true, verbose: true },
    );
    expect(findings, `${name}: 5xx answers`).toEqual([]);
  }

  let before: { count: number; digest: string };
  let rrsBefore: Map<string, string>;
  const createdByFuzz = new Set<string>();

  async function seededDigest() {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS count,
              md5(coalesce(string_agg(row_to_json(a)::text, '|' ORDER BY chain_position), '')) AS digest
         FROM audit_events a WHERE correlation_id = $1`,
      [seeded],
    );
    return rows[0] as { count: number; digest: string };
  }
  const rrVersions = async () =>
    // Deduplication legitimately updates an RR's status; its identity and spec must not change.
    new Map(
      (await listRRs(controller)).map((r) => [r.metadata.name, JSON.stringify([r.metadata.uid, r.spec])]),
    );

  it('seeds the data the run must not change: an audit chain and a remediation request', async () => {
    const events = Array.from({ length: 5 }, () => auditEvent(seeded));
    const res = await send({
      method: 'POST',
      url: '/api/v1/audit/events/batch',
      body: { json: events },
      auth: `Bearer ${TOKEN}`,
    });
    expect(res.statusCode, res.body).toBe(201);
    const rr = await send({
      method: 'POST',
      url: '/api/v1/signals/prometheus',
      body: { json: alertmanagerPayload([podAlert(workloads, pods[0]!)]) },
      auth: `Bearer ${TOKEN}`,
    });
    expect(rr.statusCode, rr.body).toBe(201);
    before = await seededDigest();
    expect(before.count).toBe(5);
    rrsBefore = await rrVersions();
    expect(rrsBefore.size).toBe(1);
  });

  const fuzzCorrelation = fc.oneof(
    nastyString.map((s) => `${fuzzPrefix}${s.slice(0, 300)}`),
    fc.constant(`${fuzzPrefix}${randomUUID()}`),
  );

  it('audit writes (single and batch) answer 4xx or 201 to anything', async () => {
    const valid = auditEvent('fz-valid') as unknown as Record<string, unknown>;
    // Besides mutated events: valid events carrying any value, deeply nested ones included, in event_data.
    const withData = nastyValue.map((v): { raw?: string; json?: unknown } => ({
      json: { ...valid, event_data: { ...(valid.event_data as object), payload: v } },
    }));
    const event = fc.oneof({ weight: 4, arbitrary: bodyFor(valid) }, { weight: 1, arbitrary: withData });
    const single = fc.tuple(event, fuzzCorrelation).map(([body, corr]): Req => {
      if (body.json && typeof body.json === 'object' && !Array.isArray(body.json)) {
        (body.json as Record<string, unknown>).correlation_id ??= corr;
        if ((body.json as Record<string, unknown>).correlation_id === seeded)
          (body.json as Record<string, unknown>).correlation_id = corr;
      }
      return { method: 'POST', url: '/api/v1/audit/events', body };
    });
    await fuzz('POST /api/v1/audit/events', single, 250);
    const batch = fc.array(event, { minLength: 0, maxLength: 60 }).map(
      (bodies): Req => ({
        method: 'POST',
        url: '/api/v1/audit/events/batch',
        body: { json: bodies.map((b) => b.json ?? b.raw) },
      }),
    );
    await fuzz(
      'POST /api/v1/audit/events/batch',
      fc.oneof(
        batch,
        bodyFor(valid).map((body): Req => ({ method: 'POST', url: '/api/v1/audit/events/batch', body })),
      ),
      120,
    );
  });

  it('audit query, verify-chain and reconstruct answer 4xx or 2xx to anything', async () => {
    await fuzz(
      'GET /api/v1/audit/events',
      queryString.map((q): Req => ({ method: 'GET', url: `/api/v1/audit/events?${q}` })),
      300,
    );
    await fuzz(
      'POST /api/v1/audit/verify-chain',
      bodyFor({ correlation_id: seeded }).map(
        (body): Req => ({ method: 'POST', url: '/api/v1/audit/verify-chain', body }),
      ),
      150,
    );
    await fuzz(
      'POST reconstruct',
      fc.tuple(hostileSegment, queryString, fc.option(bodyFor({}))).map(
        ([id, q, body]): Req => ({
          method: 'POST',
          url: `/api/v1/audit/remediation-requests/${id}/reconstruct?${q}`,
          ...(body ? { body } : {}),
        }),
      ),
      150,
    );
  });

  it('legal holds answer 4xx or 2xx to anything and never touch data they do not name', async () => {
    await fuzz(
      'POST /api/v1/audit/legal-hold',
      bodyFor({ correlation_id: `${fuzzPrefix}none`, reason: 'litigation' }).map((body): Req => {
        if (
          body.json &&
          typeof body.json === 'object' &&
          (body.json as { correlation_id?: unknown }).correlation_id === seeded
        )
          (body.json as { correlation_id: string }).correlation_id = `${fuzzPrefix}x`;
        return { method: 'POST', url: '/api/v1/audit/legal-hold', body };
      }),
      150,
    );
    await fuzz(
      'DELETE /api/v1/audit/legal-hold/:id',
      hostileSegment.map((id): Req => ({ method: 'DELETE', url: `/api/v1/audit/legal-hold/${id}` })),
      100,
    );
    await fuzz(
      'GET /api/v1/audit/legal-hold',
      queryString.map((q): Req => ({ method: 'GET', url: `/api/v1/audit/legal-hold?${q}` })),
      30,
    );
  });

  it('the signal routes answer 4xx or 2xx to anything', async () => {
    const alert = podAlert(workloads, pods[0]!);
    const alertArb = fc.oneof(
      mutate(alert),
      mutate(alert.labels).map((labels) => ({ ...alert, labels })),
      mutate({ ...alert.labels, namespace: `${fuzzPrefix}nowhere` }).map((labels) => ({ ...alert, labels })),
    );
    const prom = fc.oneof(
      fc
        .array(alertArb, { maxLength: 8 })
        .map((alerts) => ({ json: alertmanagerPayload(alerts as object[]) })),
      bodyFor(alertmanagerPayload([alert])),
    );
    await fuzz(
      'POST /api/v1/signals/prometheus',
      prom.map((body): Req => ({ method: 'POST', url: '/api/v1/signals/prometheus', body })),
      200,
    );
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.17', namespace: workloads, uid: randomUUID() },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      involvedObject: { kind: 'Pod', name: pods[0]!, namespace: workloads, apiVersion: 'v1' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 3,
    };
    await fuzz(
      'POST /api/v1/signals/kubernetes-event',
      bodyFor(event).map((body): Req => ({ method: 'POST', url: '/api/v1/signals/kubernetes-event', body })),
      200,
    );
    for (const r of await listRRs(controller))
      if (!rrsBefore.has(r.metadata.name)) createdByFuzz.add(r.metadata.name);
  });

  it('the approval and live-view routes answer 4xx to anything naming no remediation', async () => {
    const path = fc.tuple(
      fc.oneof(hostileSegment, fc.constant(controller)),
      fc.oneof(hostileSegment, fc.constant('rr-does-not-exist')),
    );
    await fuzz(
      'POST approve/reject',
      fc.tuple(path, fc.constantFrom('approve', 'reject'), fc.option(bodyFor({ reason: 'ok' }))).map(
        ([[ns, name], d, body]): Req => ({
          method: 'POST',
          url: `/api/v1/remediation-requests/${ns}/${name}/${d}`,
          ...(body ? { body } : {}),
        }),
      ),
      120,
    );
    await fuzz(
      'GET live view',
      path.map(([ns, name]): Req => ({ method: 'GET', url: `/api/v1/remediation-requests/${ns}/${name}` })),
      60,
    );
  });

  it('unknown methods and paths answer 4xx', async () => {
    await fuzz(
      'anything else',
      fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
          fc.array(hostileSegment, { maxLength: 6 }),
          fc.option(bodyFor({})),
        )
        .map(
          ([method, segs, body]): Req => ({
            method: method as Req['method'],
            url: `/api/v1/${segs.join('/')}`,
            ...(body ? { body } : {}),
          }),
        ),
      100,
    );
  });

  it('after the run the app still answers, and the data that existed before is unchanged', async () => {
    expect(requests).toBeGreaterThan(1800 * RUNS);
    // The run reached the handlers, not only the validators: some inputs were accepted.
    expect(
      [...statuses.keys()].some((s) => s >= 200 && s < 300),
      JSON.stringify([...statuses]),
    ).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
    expect(findings).toEqual([]);
    expect((await send({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await send({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(await seededDigest()).toEqual(before);
    const verify = await send({
      method: 'POST',
      url: '/api/v1/audit/verify-chain',
      body: { json: { correlation_id: seeded } },
      auth: `Bearer ${TOKEN}`,
    });
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json()).toMatchObject({ is_valid: true, total_events: 5, verified_events: 5 });
    const after = await rrVersions();
    for (const [name, rv] of rrsBefore) expect(after.get(name), `RR ${name}`).toBe(rv);
    for (const name of after.keys()) expect(rrsBefore.has(name) || createdByFuzz.has(name), name).toBe(true);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE correlation_id = $1`,
      [seeded],
    );
    expect(rows[0].n).toBe(before.count);
    reportFigures('hostile-input', {
      inputs: requests,
      '5xx': findings.length,
      statuses: JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]))),
    });
  });
});
