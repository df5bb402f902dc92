/**
 * The audit log as a running service in a process (the API): runs the sequencer
 * every `intervalMs` or as soon as `checkpointEvents` events were written through
 * this process, whichever comes first; publishes each new checkpoint outside the
 * database; and remembers the latest checkpoint for write responses.
 *
 * The anchor the sequencer must extend is the newest of: the checkpoints published
 * outside the database (read once at start, signature checked), and the checkpoints
 * this process signed. With nothing published it falls back to the newest signed
 * checkpoint in the database, which guards against bugs but not against the
 * database's administrator (docs/audit-log.md says what each setup guarantees).
 */
import type pg from 'pg';
import type { CheckpointPublisher } from './log-publish.js';
import {
  type Anchor,
  LogInconsistentError,
  originFor,
  type SequenceResult,
  type SignedCheckpoint,
  sequenceOnce,
} from './log-sequencer.js';
import { latestCheckpoint, logState } from './log-store.js';
import {
  type NoteSigner,
  type NoteVerifier,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
} from './note.js';

export interface AuditLogOptions {
  pool: pg.Pool;
  /**
   * The sequencer's connection (kubernaut_sequencer, docs/database-roles.md): the
   * writer role may not empty the queue or move the tree's state row. Default: pool.
   */
  sequencerPool?: pg.Pool;
  /** Signer key string (PRIVATE+KEY+name+id+key). */
  signingKey: string;
  /** More verifier keys accepted (earlier keys after a rotation). */
  verifierKeys?: string[];
  /** Checkpoint origin; default kubernaut.local/audit/<log id of this database>. */
  origin?: string;
  intervalMs?: number;
  checkpointEvents?: number;
  batchSize?: number;
  publishers?: CheckpointPublisher[];
  log?: (msg: string) => void;
}

export interface AuditLogStatus {
  ok: boolean;
  error?: string;
  tree_size?: number;
}

export class AuditLog {
  readonly signer: NoteSigner;
  readonly verifiers: NoteVerifier[];
  private anchor?: Anchor;
  private anchorLoaded = false;
  private current?: SignedCheckpoint;
  private publishedSize = -1;
  private written = 0;
  private running?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private error?: string;
  private logOrigin?: string;

  constructor(private readonly opts: AuditLogOptions) {
    this.signer = parseSignerKey(opts.signingKey);
    const extra = (opts.verifierKeys ?? []).map(parseVerifierKey);
    this.verifiers = [this.signer.verifier, ...extra.filter((v) => v.text !== this.signer.verifier.text)];
  }

  private log(msg: string) {
    (this.opts.log ?? ((m: string) => process.stderr.write(`[audit-log] ${m}\n`)))(msg);
  }

  /** The checkpoint origin of this database's log. */
  async origin(): Promise<string> {
    this.logOrigin ??= originFor((await logState(this.opts.pool)).log_id, this.opts.origin);
    return this.logOrigin;
  }

  /** The newest checkpoint known to this process (signed here or read back verified). */
  latest(): SignedCheckpoint | undefined {
    return this.current;
  }

  status(): AuditLogStatus {
    return { ok: !this.error, error: this.error, tree_size: this.current?.tree_size };
  }

  /** Runs once now, then on the interval. */
  async start(): Promise<void> {
    await this.runOnce().catch((err) => this.log(`sequencer run failed: ${(err as Error).message}`));
    this.timer = setInterval(() => this.kick(), this.opts.intervalMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Counts events written through this process; enough of them start a run early. */
  noteWritten(n: number): void {
    this.written += n;
    if (this.written >= (this.opts.checkpointEvents ?? 5000)) this.kick();
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.runOnce().catch((err) => this.log(`sequencer run failed: ${(err as Error).message}`));
  }

  /** Sequences everything queued, signs and publishes. Concurrent calls share one run. */
  runOnce(): Promise<void> {
    this.running ??= (async () => {
      try {
        do {
          this.again = false;
          this.written = 0;
          await this.sequenceAll();
          await this.publish();
        } while (this.again && this.timer);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async sequenceAll(): Promise<void> {
    if (!this.anchorLoaded) await this.loadAnchor();
    const batchSize = this.opts.batchSize ?? 5000;
    for (;;) {
      let r: SequenceResult;
      try {
        r = await sequenceOnce(this.opts.sequencerPool ?? this.opts.pool, {
          signer: this.signer,
          origin: await this.origin(),
          anchor: this.anchor,
          batchSize,
        });
      } catch (err) {
        if (err instanceof LogInconsistentError) this.fail(err.message);
        throw err;
      }
      this.error = undefined;
      if (r.vanished.length > 0) {
        this.log(`events deleted before they were sequenced (never in the log): ${r.vanished.join(', ')}`);
      }
      if (r.busy) return this.refreshFromDatabase();
      if (r.checkpoint) {
        this.current = r.checkpoint;
        this.anchor = { size: r.checkpoint.tree_size, root: r.checkpoint.root_hash };
      } else {
        await this.refreshFromDatabase();
      }
      if (r.sequenced < batchSize) return;
    }
  }

  private fail(message: string) {
    if (this.error !== message) this.log(`REFUSING TO SIGN: ${message}`);
    this.error = message;
  }

  /** Another process sequences: take its newest checkpoint, if it verifies. */
  private async refreshFromDatabase() {
    const latest = await latestCheckpoint(this.opts.pool);
    if (!latest || (this.current && latest.tree_size <= this.current.tree_size)) return;
    try {
      const c = openCheckpoint(latest.note, this.verifiers, await this.origin());
      this.current = { origin: c.origin, tree_size: c.size, root_hash: c.root, note: latest.note };
    } catch (err) {
      this.log(`the newest checkpoint in the database does not verify: ${(err as Error).message}`);
    }
  }

  /** The anchor: the largest verified published checkpoint, else the database's newest. */
  private async loadAnchor(): Promise<void> {
    const origin = await this.origin();
    let best: Anchor | undefined;
    for (const p of this.opts.publishers ?? []) {
      const note = await p.read();
      if (note === undefined) continue;
      try {
        const c = openCheckpoint(note, this.verifiers, origin);
        if (!best || c.size > best.size) best = { size: c.size, root: c.root };
        this.publishedSize = Math.max(this.publishedSize, c.size);
      } catch (err) {
        this.fail(`the checkpoint published at ${p.target} cannot be trusted: ${(err as Error).message}`);
        throw new LogInconsistentError(this.error!);
      }
    }
    if (!best) {
      // The database's own newest checkpoint guards against bugs only (its
      // administrator can rewrite it), so one this key cannot verify — the key
      // changed without AUDIT_LOG_VERIFIER_KEYS — is noted and not held to.
      const latest = await latestCheckpoint(this.opts.pool);
      try {
        const c = latest && openCheckpoint(latest.note, this.verifiers, origin);
        if (c) best = { size: c.size, root: c.root };
      } catch (err) {
        this.log(`the newest checkpoint in the database is not held to: ${(err as Error).message}`);
      }
    }
    this.anchor = best;
    this.anchorLoaded = true;
  }

  private async publishedAtLeast(p: CheckpointPublisher, size: number): Promise<boolean> {
    const note = await p.read().catch(() => undefined);
    if (!note) return false;
    try {
      return openCheckpoint(note, this.verifiers, await this.origin()).size >= size;
    } catch {
      return false;
    }
  }

  private async publish(): Promise<void> {
    const c = this.current;
    if (!c || c.tree_size <= this.publishedSize) return;
    for (const p of this.opts.publishers ?? []) {
      // Another replica may have published a newer one: never move a copy backwards.
      if (await this.publishedAtLeast(p, c.tree_size)) continue;
      // A failed publication is retried on the next run (publishedSize stays behind).
      await p.write(c.note).catch((err) => {
        this.log(`publishing checkpoint ${c.tree_size} to ${p.target} failed: ${(err as Error).message}`);
        throw err;
      });
    }
    this.publishedSize = c.tree_size;
  }
}
