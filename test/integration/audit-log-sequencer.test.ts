import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditWriter } from '../../lib/audit/index.js';
import { eventLeafHash } from '../../lib/audit/log-entry.js';
import { configMapPublisher } from '../../lib/audit/log-publish.js';
import { consistencyProof, inclusionProof, STORED_FROM_LEVEL, treeRoot } from '../../lib/audit/log-store.js';
import { CompactRange, verifyConsistency, verifyInclusion } from '../../lib/audit/merkle.js';
import { generateSignerKey, openCheckpoint } from '../../lib/audit/note.js';
import { type DbAuditRow, fromDb, STORED_COLUMNS } from '../../lib/audit/rows.js';
import { kube, uniqueName } from '../harness/index.js';
import { auditEvent, newCorrelation } from './audit-fixtures.js';
import { asSuperuser, freshAuditDatabase, tempDir, testLog } from './audit-log-fixtures.js';

describe('audit log sequencer', async () => {
  const { pool } = await freshAuditDatabase();
  const { pool: own } = await freshAuditDatabase();
  const { pool: rotated } = await freshAuditDatabase();
  const writer = createAuditWriter(pool);
  const dir = tempDir();

  async function leaves() {
    const { rows } = await pool.query<{ idx: string; event_id: string; leaf_hash: Buffer }>(
      'SELECT idx, event_id::text, leaf_hash FROM audit_log_leaves ORDER BY idx',
    );
    return rows.map((r) => ({ idx: Number(r.idx), event_id: r.event_id, leaf_hash: r.leaf_hash }));
  }

  it('queues a write as one row, its events in the order given; entries queued one per event (before migration 0012) go first', async () => {
    const { pool: db } = await freshAuditDatabase();
    const w = createAuditWriter(db);
    const cid = newCorrelation();
    const [a, b, c, d] = [0, 1, 2, 3].map((i) => auditEvent(cid, { event_data: { step: i } }));
    await w.write([a!, b!, c!]);
    const batches = await db.query<{ ids: string[] }>(
      'SELECT event_ids::text[] AS ids FROM audit_log_pending_batches',
    );
    expect(batches.rows.map((r) => r.ids)).toEqual([[a!.event_id, b!.event_id, c!.event_id]]);
    const view = await db.query<{ event_id: string }>('SELECT event_id::text FROM audit_log_pending');
    expect(view.rows.map((r) => r.event_id).sort()).toEqual([a!.event_id, b!.event_id, c!.event_id].sort());

    // As an older writer left them: the first two one row each (the second without its
    // leaf, as before migration 0007), the third still in its batch.
    await asSuperuser(db, async (q) => {
      await q.query(`UPDATE audit_log_pending_batches SET event_ids = event_ids[3:3], event_dates = event_dates[3:3],
                       correlation_ids = correlation_ids[3:3], chain_positions = chain_positions[3:3],
                       leaf_hashes = leaf_hashes[3:3]`);
      for (const [e, leaf] of [
        [a!, Buffer.alloc(32, 7)],
        [b!, null],
      ] as const) {
        await q.query(
          `INSERT INTO audit_log_pending_events (event_id, event_date, correlation_id, chain_position, leaf_hash)
           SELECT event_id, event_date, correlation_id, chain_position, $2::bytea FROM audit_events WHERE event_id = $1`,
          [e.event_id, leaf],
        );
      }
    });
    await w.write([d!]);
    const log = testLog(db);
    await log.runOnce();
    const { rows } = await db.query<{ event_id: string; leaf_hash: Buffer }>(
      'SELECT event_id::text, leaf_hash FROM audit_log_leaves ORDER BY idx',
    );
    expect(rows.map((r) => r.event_id)).toEqual([a, b, c, d].map((e) => e!.event_id));
    // The entry without a leaf had its leaf computed from its row.
    const stored = await db.query<DbAuditRow>(
      `SELECT ${STORED_COLUMNS} FROM audit_events WHERE event_id = $1`,
      [b!.event_id],
    );
    expect(rows[1]!.leaf_hash).toEqual(eventLeafHash(fromDb(stored.rows[0]!) as never));
    expect(rows[0]!.leaf_hash).toEqual(Buffer.alloc(32, 7));
    const left = await db.query('SELECT count(*)::int AS n FROM audit_log_pending');
    expect(left.rows[0].n).toBe(0);
  });

  it('gives committed events contiguous indexes, a tree over their leaves and a signed, published checkpoint', async () => {
    const file = join(dir, 'one.checkpoint');
    const log = testLog(pool, { file });
    const cid = newCorrelation();
    const events = [0, 1, 2, 3, 4].map((i) => auditEvent(cid, { event_data: { step: i } }));
    await writer.write(events.slice(0, 2));
    await writer.write(events.slice(2));
    await log.runOnce();

    const all = await leaves();
    expect(all.map((l) => l.idx)).toEqual(all.map((_, i) => i));
    expect(all.map((l) => l.event_id)).toEqual(events.map((e) => e.event_id));
    // Each leaf is the hash of the stored row's canonical bytes, chain fields included.
    const { rows } = await pool.query<DbAuditRow>(
      `SELECT ${STORED_COLUMNS} FROM audit_events WHERE correlation_id = $1 ORDER BY chain_position`,
      [cid],
    );
    expect(rows.map((r) => eventLeafHash(fromDb(r) as never))).toEqual(all.map((l) => l.leaf_hash));

    const c = log.latest()!;
    expect(c.tree_size).toBe(5);
    const range = new CompactRange();
    for (const l of all) range.append(l.leaf_hash);
    expect(c.root_hash).toEqual(range.root());
    expect(await treeRoot(pool, 5)).toEqual(range.root());
    expect(openCheckpoint(c.note, log.verifiers, await log.origin())).toMatchObject({ size: 5 });
    expect(await log.origin()).toMatch(/^kubernaut\.local\/audit\/[0-9a-f]{12}$/);
    const published = await (await import('node:fs/promises')).readFile(file, 'utf8');
    expect(published).toBe(c.note);

    // Proofs from the stored nodes verify against the signed root.
    for (const l of all) {
      expect(verifyInclusion(l.idx, 5, l.leaf_hash, await inclusionProof(pool, l.idx, 5), c.root_hash)).toBe(
        true,
      );
    }
    const root2 = await treeRoot(pool, 2);
    expect(verifyConsistency(2, 5, await consistencyProof(pool, 2, 5), root2, c.root_hash)).toBe(true);
  });

  it('a tree past the stored levels: roots and proofs mix stored subtrees and subtrees hashed from leaves', async () => {
    const log = testLog(pool);
    const low = async () =>
      (
        await pool.query('SELECT count(*)::int AS n FROM audit_log_nodes WHERE level < $1', [
          STORED_FROM_LEVEL,
        ])
      ).rows[0].n as number;
    const lowBefore = await low();
    for (let w = 0; w < 6; w++) {
      await writer.write(Array.from({ length: 25 }, () => auditEvent(newCorrelation())));
      await log.runOnce();
    }
    const all = await leaves();
    const n = all.length;
    expect(n).toBeGreaterThan(2 ** (STORED_FROM_LEVEL + 2));
    const range = new CompactRange();
    const roots = new Map<number, Buffer>();
    for (const l of all) {
      range.append(l.leaf_hash);
      roots.set(range.size, range.root());
    }
    const m = Math.floor(n / 2) + 3;
    expect(await treeRoot(pool, n)).toEqual(roots.get(n));
    expect(await treeRoot(pool, m)).toEqual(roots.get(m));
    for (const l of all) {
      const proof = await inclusionProof(pool, l.idx, n);
      expect(verifyInclusion(l.idx, n, l.leaf_hash, proof, roots.get(n)!), `leaf ${l.idx}`).toBe(true);
    }
    for (const [a, b] of [
      [1, n],
      [16, n],
      [m, n],
      [17, 64],
      [64, 65],
    ] as const) {
      const proof = await consistencyProof(pool, a, b);
      expect(verifyConsistency(a, b, proof, roots.get(a)!, roots.get(b)!), `${a} → ${b}`).toBe(true);
    }
    // Subtrees below the stored levels are hashed from the leaves, never stored.
    expect(await low()).toBe(lowBefore);
  });

  it('two sequencers racing with concurrent writers sequence every event exactly once', async () => {
    const [a, b] = [testLog(pool), testLog(pool)];
    const before = (await leaves()).length;
    const writes = Array.from({ length: 12 }, (_, i) => {
      const cid = newCorrelation(`race${i % 3}`);
      return writer.write([auditEvent(cid), auditEvent(cid)]);
    });
    const runs = [a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()];
    await Promise.all([...writes, ...runs]);
    await a.runOnce();
    await b.runOnce();
    const all = await leaves();
    expect(all.length - before).toBe(24);
    expect(all.map((l) => l.idx)).toEqual(all.map((_, i) => i));
    expect(new Set(all.map((l) => l.event_id)).size).toBe(all.length);
    const pending = await pool.query('SELECT count(*)::int AS n FROM audit_log_pending');
    expect(pending.rows[0].n).toBe(0);
    // Both know the newest checkpoint, whoever signed it.
    const newest = Math.max(a.latest()!.tree_size, b.latest()!.tree_size);
    expect(newest).toBe(all.length);
  });

  it('a restarted sequencer refuses to sign when the log no longer extends the published checkpoint', async () => {
    const file = join(dir, 'restart.checkpoint');
    const first = testLog(pool, { file });
    await writer.write([auditEvent(newCorrelation()), auditEvent(newCorrelation())]);
    await first.runOnce();
    const signed = first.latest()!;
    await first.stop();

    // A superuser cuts the newest leaf and rewinds the log state to before it.
    await asSuperuser(pool, async (c) => {
      const cut = signed.tree_size - 1;
      await c.query('DELETE FROM audit_log_leaves WHERE idx >= $1', [cut]);
      await c.query('DELETE FROM audit_log_nodes');
      await c.query('DELETE FROM audit_log_checkpoints WHERE tree_size > $1', [cut]);
      const range = new CompactRange();
      for (const l of await c
        .query<{ leaf_hash: Buffer }>('SELECT leaf_hash FROM audit_log_leaves ORDER BY idx')
        .then((r) => r.rows)) {
        for (const n of range.append(l.leaf_hash)) {
          await c.query('INSERT INTO audit_log_nodes (level, idx, hash) VALUES ($1, $2, $3)', [
            n.level,
            n.index,
            n.hash,
          ]);
        }
      }
      await c.query('UPDATE audit_log_state SET tree_size = $1, compact_range = $2', [
        range.size,
        range.hashes,
      ]);
    });

    const restarted = testLog(pool, { file });
    await writer.write([auditEvent(newCorrelation())]);
    await expect(restarted.runOnce()).rejects.toThrow(/entries were removed/);
    expect(restarted.status()).toMatchObject({
      ok: false,
      error: expect.stringMatching(/entries were removed/),
    });
    // Nothing was signed past the cut, and the new event waits in the queue.
    const after = await pool.query('SELECT max(tree_size)::int AS n FROM audit_log_checkpoints');
    expect(after.rows[0].n).toBeLessThan(signed.tree_size);
    const pending = await pool.query('SELECT count(*)::int AS n FROM audit_log_pending');
    expect(pending.rows[0].n).toBe(1);
  });

  it("a changed key: the database's checkpoint is not held to, a published one is until the old key is accepted", async () => {
    const file = join(dir, 'rotation.checkpoint');
    const w = createAuditWriter(rotated);
    const before = testLog(rotated, { file });
    await w.write([auditEvent(newCorrelation())]);
    await before.runOnce();

    const newKey = generateSignerKey('kubernaut.test/audit');
    // Published checkpoint signed by a key this process does not accept: refuse.
    const strict = testLog(rotated, { file, signingKey: newKey });
    await w.write([auditEvent(newCorrelation())]);
    await expect(strict.runOnce()).rejects.toThrow(/cannot be trusted/);
    // Rotation: the old public key accepted too; the new key signs from here on.
    const rotating = testLog(rotated, {
      file,
      signingKey: newKey,
      verifierKeys: [before.signer.verifier.text],
    });
    await rotating.runOnce();
    expect(rotating.latest()!.tree_size).toBe(2);
    expect(openCheckpoint(rotating.latest()!.note, [rotating.signer.verifier]).size).toBe(2);
    // Nothing published: the database's newest checkpoint (now another key's) is only noted.
    const unpublished = testLog(rotated, { signingKey: generateSignerKey('kubernaut.test/audit') });
    await w.write([auditEvent(newCorrelation())]);
    await unpublished.runOnce();
    expect(unpublished.latest()!.tree_size).toBe(3);
  });

  it('a replica that knows an older checkpoint never publishes it over a newer one', async () => {
    const file = join(dir, 'replicas.checkpoint');
    const [a, b] = [testLog(rotated, { file }), testLog(rotated, { file })];
    const w = createAuditWriter(rotated);
    await w.write([auditEvent(newCorrelation())]);
    await a.runOnce();
    const older = a.latest()!;
    await w.write([auditEvent(newCorrelation())]);
    await a.runOnce();
    const newest = a.latest()!;
    expect(readFileSync(file, 'utf8')).toBe(newest.note);
    // Replica b last saw the older checkpoint (a busy run's refresh) and publishes it.
    const replica = b as unknown as { current: unknown; publish(): Promise<void> };
    replica.current = older;
    await replica.publish();
    expect(readFileSync(file, 'utf8')).toBe(newest.note);
  });

  it('publishes to a ConfigMap and reads it back as the anchor', async () => {
    const ns = uniqueName('auditlog');
    const { core } = kube();
    await core.createNamespace({ body: { metadata: { name: ns } } });
    try {
      const publisher = configMapPublisher(kube().kc, `${ns}/audit-checkpoint`);
      const log = testLog(own, { publishers: [publisher] });
      await createAuditWriter(own).write([auditEvent(newCorrelation())]);
      await log.runOnce();
      await createAuditWriter(own).write([auditEvent(newCorrelation())]);
      await log.runOnce();
      const cm = await core.readNamespacedConfigMap({ namespace: ns, name: 'audit-checkpoint' });
      expect(cm.data?.checkpoint).toBe(log.latest()!.note);
      expect(openCheckpoint(cm.data!.checkpoint!, log.verifiers).size).toBe(2);
      expect(await publisher.read()).toBe(log.latest()!.note);
    } finally {
      await core.deleteNamespace({ name: ns }).catch(() => {});
    }
  });
});
