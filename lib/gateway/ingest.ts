/**
 * The gateway's ingestion service: a parsed Signal becomes a new RemediationRequest
 * (created), an occurrence counted on the open one for its fingerprint
 * (deduplicated), or a reasoned refusal (rejected).
 *
 * Exactly one RR per open fingerprint, on any number of replicas: the database
 * claim (claim.ts) elects the creator, the RR name comes from the claim, and a
 * request finding a claim whose RR is not there yet (in flight, or its creator
 * crashed) creates the very same object (get-before-create).
 *
 * Where the round trips went (the hot paths):
 * - a claim with its RR's uid is trusted without reading the RR: the count on it
 *   (deduplication.ts) is a write under the RR's resourceVersion that fails when the
 *   RR is gone or terminal, and only then is the claim examined again and taken over;
 * - such claims are remembered in this process, so a duplicate costs no database
 *   read: a claim only ever moves away from an RR once that RR is terminal or gone,
 *   which the count detects. The claim is remembered once its RR is recorded
 *   (audit events written, uid stored), never before;
 * - a name just claimed is created without a read first, and the first count
 *   starts from the created object;
 * - owner resolutions are reused for a few seconds (owner-resolution.ts says what
 *   that can cost), audit writes are grouped across requests (audit-batch.ts), and
 *   every Kubernetes call shares keep-alive connections (lib/kube/keep-alive.ts).
 */
import { type KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type pg from 'pg';
import { AuditConflictError } from '../audit/idempotency.js';
import type { AuditWriter } from '../audit/types.js';
import { kubeClients, statusOf } from '../kube/client.js';
import { keepAliveKubeConfig } from '../kube/keep-alive.js';
import type { KubeObject } from '../kube/object.js';
import { AuditBatcher } from './audit-batch.js';
import { crdCreatedEvent, signalDeduplicatedEvent, signalReceivedEvent } from './audit-events.js';
import { type Claim, ClaimStore } from './claim.js';
import { DeduplicationRecorder, type RecordedOccurrence, RemediationEndedError } from './deduplication.js';
import { newRemediationRequestName, signalFingerprint } from './fingerprint.js';
import { KeyedMutex } from './keyed-mutex.js';
import { DEFAULT_OWNER_CACHE_TTL_MS, kubeReader, OwnerResolver } from './owner-resolution.js';
import { remediationRequestObject, remediationRequestSpec } from './rr-spec.js';
import { RemediationRequestStore } from './rr-store.js';
import { checkScope } from './scope.js';
import type { Rejection, Signal, SignalResult } from './signal.js';
import { validateSignal } from './signal-checks.js';

export interface GatewayOptions {
  /** Where RRs are created (DESIGN §4). */
  controllerNamespace: string;
  /** Create the controller namespace when missing. */
  ensureNamespace: boolean;
  /** Cluster id for signals that name none; prefixes fingerprints when set. */
  clusterId?: string;
  /** Refuse signals that start further in the future than this; null turns the check off. */
  maxFutureSkewMs: number | null;
  /** Only remediate resources opted in with kubernaut.ai/managed=true. */
  requireManagedLabel: boolean;
  /** Largest single alert or event (its JSON), in bytes. */
  maxSignalBytes: number;
  /** How long an owner resolution is reused (default 5 s; 0 = never). */
  ownerCacheTtlMs?: number;
  /** The clock of the owner cache, in ms (tests move it). */
  now?: () => number;
}

export interface IngestContext {
  /** The authenticated caller, recorded in the audit events. */
  submittedBy: string;
  receivedAt: Date;
}

/** How often a request re-runs the claim decision when the RR it found ended meanwhile. */
const MAX_ROUNDS = 5;
/** Open claims remembered in this process (the least recently used go first). */
const CLAIM_CACHE_LIMIT = 10_000;

/** The RR that answers for a fingerprint, as its claim names it. */
interface ClaimedRR {
  name: string;
  namespace: string;
  uid: string;
}

type Decision =
  | {
      rr: ClaimedRR;
      /** Set when this request created the RR: its own first count, already under way. */
      created?: Promise<RecordedOccurrence>;
    }
  | { rejection: Rejection };

export class Gateway {
  private readonly claims: ClaimStore;
  private readonly store: RemediationRequestStore;
  private readonly dedup: DeduplicationRecorder;
  private readonly owners: OwnerResolver;
  private readonly audit: AuditBatcher;
  private readonly core;
  private readonly mutex = new KeyedMutex();
  private readonly open = new Map<string, ClaimedRR>();

  constructor(
    pool: pg.Pool,
    kc: KubeConfig,
    writer: AuditWriter,
    readonly options: GatewayOptions,
  ) {
    // Every Kubernetes call of the gateway goes over pooled keep-alive connections.
    kc = keepAliveKubeConfig(kc);
    const clients = kubeClients(kc);
    this.core = clients.core;
    this.claims = new ClaimStore(pool);
    this.store = new RemediationRequestStore(kc, clients.core, options.ensureNamespace);
    this.dedup = new DeduplicationRecorder(this.store);
    this.audit = new AuditBatcher(writer);
    this.owners = new OwnerResolver(kubeReader(KubernetesObjectApi.makeApiClient(kc)), {
      ttlMs: options.ownerCacheTtlMs ?? DEFAULT_OWNER_CACHE_TTL_MS,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async ingest(signal: Signal, ctx: IngestContext): Promise<SignalResult> {
    const base = { signalName: signal.name };
    const refused = signal.rejection ?? validateSignal(signal, this.options, ctx.receivedAt);
    if (refused) return { ...base, outcome: 'rejected', ...refused };

    const resolved = await this.owners.resolve(signal.target!);
    const about = { target: resolved.owner, ownerResolution: resolved.resolution };
    if (this.options.requireManagedLabel) {
      const scope = await checkScope(this.core, resolved);
      if (!scope.managed) {
        return { ...base, ...about, outcome: 'rejected', reason: 'not-managed', message: scope.message };
      }
    }
    const fingerprint = signalFingerprint(resolved.owner, signal.clusterId);
    const receivedTime = ctx.receivedAt.toISOString();
    const spec = remediationRequestSpec(signal, resolved, fingerprint, receivedTime);
    const result = { ...base, ...about, fingerprint };
    const build = (name: string, ns: string) => remediationRequestObject(name, ns, spec, ctx.submittedBy);

    let ended: ClaimedRR | undefined;
    for (let round = 1; ; round++) {
      const decision = await this.mutex.run(fingerprint, () =>
        this.decide(fingerprint, build, ctx.submittedBy, receivedTime, ended),
      );
      if ('rejection' in decision) return { ...result, outcome: 'rejected', ...decision.rejection };
      const ref = { name: decision.rr.name, namespace: decision.rr.namespace };
      try {
        if (decision.created) {
          const { occurrence } = await decision.created;
          return { ...result, outcome: 'created', remediationRequest: ref, occurrenceCount: occurrence };
        }
        const { dedup, occurrence, rr } = await this.dedup.record(
          ref.namespace,
          ref.name,
          decision.rr.uid,
          receivedTime,
        );
        // Idempotent: the id is (RR, uid, occurrence number), and each number is counted once.
        await this.audit.write([
          signalDeduplicatedEvent(rr, occurrence, dedup, receivedTime, ctx.submittedBy),
        ]);
        return { ...result, outcome: 'deduplicated', remediationRequest: ref, occurrenceCount: occurrence };
      } catch (err) {
        // The RR ended between the decision and the count: decide again (it will take over the claim).
        if (err instanceof RemediationEndedError && round < MAX_ROUNDS) {
          ended = decision.rr;
          if (this.open.get(fingerprint)?.uid === ended.uid) this.open.delete(fingerprint);
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * Which RR answers for the fingerprint: the open one its claim names, or one this
   * call creates. `ended` is the RR a previous round found terminal or gone.
   */
  private async decide(
    fingerprint: string,
    build: (name: string, namespace: string) => KubeObject,
    submittedBy: string,
    receivedTime: string,
    ended?: ClaimedRR,
  ): Promise<Decision> {
    const known = this.open.get(fingerprint);
    if (known && known.uid !== ended?.uid) {
      this.remember(fingerprint, known);
      return { rr: known };
    }
    const ns = this.options.controllerNamespace;
    const materialise = (claim: Claim, fresh: boolean) =>
      this.materialise(claim, build, submittedBy, receivedTime, fresh);
    for (let attempt = 0; attempt < MAX_ROUNDS * 2; attempt++) {
      const found = await this.claims.claim(fingerprint, newRemediationRequestName(fingerprint), ns);
      if (!found) continue; // claimed concurrently, after this statement's snapshot: look again
      const { claim, mine } = found;
      if (mine) return materialise(claim, true);
      // Claimed but not known to exist: creation in flight, or its creator crashed.
      if (claim.rrUid === null) return materialise(claim, false);
      const rr = { name: claim.rrName, namespace: claim.rrNamespace, uid: claim.rrUid };
      // Trusted until the count finds its RR terminal or gone.
      if (!(ended && ended.name === rr.name && ended.uid === rr.uid)) {
        this.remember(fingerprint, rr);
        return { rr };
      }
      // Its RR is terminal or gone: release the claim and take it over, if no one else has.
      await this.claims.release(fingerprint, claim.rrName);
      const next = await this.claims.takeOver(
        fingerprint,
        claim.rrName,
        newRemediationRequestName(fingerprint),
        ns,
      );
      if (next) return materialise(next, true);
    }
    throw new Error(`claim for fingerprint ${fingerprint} kept changing; giving up for now`);
  }

  /**
   * Makes the claimed RR exist and records it: audit events first (deterministic ids,
   * built from the stored RR, so any request may write them), then the claim's uid.
   * A crash anywhere here leaves a claim without uid, which the next request resumes.
   * The first count on a created RR runs alongside the recording.
   */
  private async materialise(
    claim: Claim,
    build: (name: string, namespace: string) => KubeObject,
    submittedBy: string,
    receivedTime: string,
    fresh: boolean,
  ): Promise<Decision> {
    let rr: KubeObject;
    let created: boolean;
    try {
      const body = build(claim.rrName, claim.rrNamespace);
      // A name claimed just now does not exist yet: no read first.
      ({ rr, created } = await (fresh ? this.store.create(body) : this.store.getOrCreate(body)));
    } catch (err) {
      // The API server refused the object (e.g. a value its schema forbids): bad input.
      if (statusOf(err) === 422) {
        return { rejection: { reason: 'invalid-signal', message: (err as Error).message.slice(0, 500) } };
      }
      throw err;
    }
    if (rr.spec?.signalFingerprint !== claim.fingerprint) {
      throw new Error(`${claim.rrNamespace}/${claim.rrName} exists with another fingerprint`);
    }
    const ref = { name: claim.rrName, namespace: claim.rrNamespace, uid: rr.metadata.uid! };
    this.dedup.seed(rr);
    const first = created ? this.dedup.record(ref.namespace, ref.name, ref.uid, receivedTime) : undefined;
    // Handled by the caller; this keeps an early failure from being reported as unhandled.
    first?.catch(() => {});
    await this.audit.write([signalReceivedEvent(rr, submittedBy), crdCreatedEvent(rr)]).catch((err) => {
      // Found, not created: the request that created the RR wrote its genesis pair
      // (ids per RR name), with its own submitter. That record stands; this request's
      // signal is the same RR's, not another event to keep.
      if (created || !(err instanceof AuditConflictError)) throw err;
    });
    await this.claims.recordCreated(claim.fingerprint, claim.rrName, ref.uid);
    this.remember(claim.fingerprint, ref);
    return first ? { rr: ref, created: first } : { rr: ref };
  }

  private remember(fingerprint: string, rr: ClaimedRR) {
    this.open.delete(fingerprint);
    this.open.set(fingerprint, rr);
    if (this.open.size > CLAIM_CACHE_LIMIT) this.open.delete(this.open.keys().next().value!);
  }
}
