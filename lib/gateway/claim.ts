/**
 * Claims on signal fingerprints (table gateway_claims, migration 0003): the
 * structural guarantee that concurrent identical signals, on any number of API
 * replicas, create exactly one RemediationRequest. Every change is a single
 * conditional statement, so the database decides every race.
 */
import type pg from 'pg';

export interface Claim {
  fingerprint: string;
  rrName: string;
  rrNamespace: string;
  /** Set once the RR is known to exist; null while creation may still be in flight. */
  rrUid: string | null;
  claimedAt: Date;
  released: boolean;
  generation: number;
}

interface ClaimRow {
  fingerprint: string;
  rr_name: string;
  rr_namespace: string;
  rr_uid: string | null;
  claimed_at: Date;
  released: boolean;
  generation: number;
}

const COLUMNS = 'fingerprint, rr_name, rr_namespace, rr_uid, claimed_at, released, generation';
const toClaim = (r: ClaimRow): Claim => ({
  fingerprint: r.fingerprint,
  rrName: r.rr_name,
  rrNamespace: r.rr_namespace,
  rrUid: r.rr_uid,
  claimedAt: r.claimed_at,
  released: r.released,
  generation: r.generation,
});

export class ClaimStore {
  constructor(private readonly pool: pg.Pool) {}

  async get(fingerprint: string): Promise<Claim | null> {
    const { rows } = await this.pool.query<ClaimRow>(
      `SELECT ${COLUMNS} FROM gateway_claims WHERE fingerprint = $1`,
      [fingerprint],
    );
    return rows[0] ? toClaim(rows[0]) : null;
  }

  /**
   * One round trip for "claim it, or tell me who has": inserts the first claim on the
   * fingerprint (`mine`), or answers the claim already there. Null when the row was
   * committed by a concurrent insert after this statement's snapshot: look again.
   */
  async claim(
    fingerprint: string,
    rrName: string,
    rrNamespace: string,
  ): Promise<{ claim: Claim; mine: boolean } | null> {
    const { rows } = await this.pool.query<ClaimRow & { mine: boolean }>(
      `WITH ins AS (
         INSERT INTO gateway_claims (fingerprint, rr_name, rr_namespace) VALUES ($1, $2, $3)
         ON CONFLICT (fingerprint) DO NOTHING RETURNING ${COLUMNS})
       SELECT ${COLUMNS}, true AS mine FROM ins
       UNION ALL
       SELECT ${COLUMNS}, false AS mine FROM gateway_claims
        WHERE fingerprint = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
      [fingerprint, rrName, rrNamespace],
    );
    return rows[0] ? { claim: toClaim(rows[0]), mine: rows[0].mine } : null;
  }

  /**
   * Replaces a claim whose RR is terminal or gone. Conditional on the RR name the
   * caller saw: of several requests taking over the same claim, exactly one matches.
   */
  async takeOver(
    fingerprint: string,
    previousName: string,
    rrName: string,
    rrNamespace: string,
  ): Promise<Claim | null> {
    const { rows } = await this.pool.query<ClaimRow>(
      `UPDATE gateway_claims
          SET rr_name = $3, rr_namespace = $4, rr_uid = NULL, claimed_at = now(),
              released = false, released_at = NULL, generation = generation + 1
        WHERE fingerprint = $1 AND rr_name = $2
        RETURNING ${COLUMNS}`,
      [fingerprint, previousName, rrName, rrNamespace],
    );
    return rows[0] ? toClaim(rows[0]) : null;
  }

  /** Marks the claim's RR as ended (terminal or deleted); repeating it changes nothing. */
  async release(fingerprint: string, rrName: string): Promise<void> {
    await this.pool.query(
      `UPDATE gateway_claims SET released = true, released_at = now()
        WHERE fingerprint = $1 AND rr_name = $2 AND NOT released`,
      [fingerprint, rrName],
    );
  }

  /** Records that the claimed RR exists; only the first uid for that name sticks. */
  async recordCreated(fingerprint: string, rrName: string, uid: string): Promise<void> {
    await this.pool.query(
      `UPDATE gateway_claims SET rr_uid = $3
        WHERE fingerprint = $1 AND rr_name = $2 AND rr_uid IS NULL`,
      [fingerprint, rrName, uid],
    );
  }
}
