/**
 * The gateway's ingestion service: a parsed Signal becomes a new RemediationRequest
 * (created), an occurrence counted on the open one for its fingerprint
 * (deduplicated), or a reasoned refusal (rejected).
 *
 * Exactly one RR per open fingerprint, on any number of replicas: the database
 * claim (claim.ts) elects the creator, the RR name comes from the claim, and the
 * RR is created get-before-create, so a request finding a claim whose RR is not
 * there yet (in flight, or its creator crashed) creates the very same object.
 */
import { type KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type pg from 'pg';
import type { KubeObject } from '../../activities/kube-objects.js';
import type { AuditWriter } from '../audit/types.js';
import { isTerminalPhase } from '../domain.js';
import { kubeClients, statusOf } from '../kube/client.js';
import { crdCreatedEvent, signalDeduplicatedEvent, signalReceivedEvent } from './audit-events.js';
import { type Claim, ClaimStore } from './claim.js';
import { DeduplicationRecorder, RemediationEndedError } from './deduplication.js';
import { newRemediationRequestName, signalFingerprint } from './fingerprint.js';
import { KeyedMutex } from './keyed-mutex.js';
import { keepAliveKubeConfig } from './kube-agent.js';
import { kubeReader, resolveOwner } from './owner-resolution.js';
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
}

export interface IngestContext {
  /** The authenticated caller, recorded in the audit events. */
  submittedBy: string;
  receivedAt: Date;
}

/** How often a request re-runs the claim decision when the RR it found ended meanwhile. */
const MAX_ROUNDS = 5;

type Decision = { rr: KubeObject; created: boolean } | { rejection: Rejection };

export class Gateway {
  private readonly claims: ClaimStore;
  private readonly store: RemediationRequestStore;
  private readonly dedup: DeduplicationRecorder;
  private readonly read;
  private readonly core;
  private readonly mutex = new KeyedMutex();

  constructor(
    pool: pg.Pool,
    kc: KubeConfig,
    private readonly writer: AuditWriter,
    readonly options: GatewayOptions,
  ) {
    // Every Kubernetes call of the gateway goes over pooled keep-alive connections.
    kc = keepAliveKubeConfig(kc);
    const clients = kubeClients(kc);
    this.core = clients.core;
    this.claims = new ClaimStore(pool);
    this.store = new RemediationRequestStore(kc, clients.core, options.ensureNamespace);
    this.dedup = new DeduplicationRecorder(this.store);
    this.read = kubeReader(KubernetesObjectApi.makeApiClient(kc));
  }

  async ingest(signal: Signal, ctx: IngestContext): Promise<SignalResult> {
    const base = { signalName: signal.name };
    const refused = signal.rejection ?? validateSignal(signal, this.options, ctx.receivedAt);
    if (refused) return { ...base, outcome: 'rejected', ...refused };

    const resolved = await resolveOwner(this.read, signal.target!);
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

    for (let round = 1; ; round++) {
      const decision = await this.mutex.run(fingerprint, () =>
        this.decide(fingerprint, (name, ns) => remediationRequestObject(name, ns, spec), ctx.submittedBy),
      );
      if ('rejection' in decision) return { ...result, outcome: 'rejected', ...decision.rejection };
      const { rr, created } = decision;
      const ref = { name: rr.metadata.name, namespace: rr.metadata.namespace! };
      try {
        const { dedup, occurrence } = await this.dedup.record(
          ref.namespace,
          ref.name,
          rr.metadata.uid!,
          receivedTime,
        );
        if (created) {
          return { ...result, outcome: 'created', remediationRequest: ref, occurrenceCount: occurrence };
        }
        // Idempotent: the id is (RR, uid, occurrence number), and each number is counted once.
        await this.writer.write([
          signalDeduplicatedEvent(rr, occurrence, dedup, receivedTime, ctx.submittedBy),
        ]);
        return { ...result, outcome: 'deduplicated', remediationRequest: ref, occurrenceCount: occurrence };
      } catch (err) {
        // The RR ended between the decision and the count: decide again (it will take over the claim).
        if (err instanceof RemediationEndedError && round < MAX_ROUNDS) continue;
        throw err;
      }
    }
  }

  /** Which RR answers for the fingerprint: an open one, or one this call creates. */
  private async decide(
    fingerprint: string,
    build: (name: string, namespace: string) => KubeObject,
    submittedBy: string,
  ): Promise<Decision> {
    const ns = this.options.controllerNamespace;
    for (let attempt = 0; attempt < MAX_ROUNDS * 2; attempt++) {
      const claim = await this.claims.get(fingerprint);
      if (!claim) {
        const mine = await this.claims.insert(fingerprint, newRemediationRequestName(fingerprint), ns);
        if (mine) return this.materialise(mine, build, submittedBy);
        continue; // another request claimed it first: look again
      }
      const rr = await this.store.get(claim.rrNamespace, claim.rrName);
      // Claimed but not known to exist: creation in flight, or its creator crashed.
      if (claim.rrUid === null) return this.materialise(claim, build, submittedBy, rr);
      if (rr && rr.metadata.uid === claim.rrUid && !isTerminalPhase(rr.status?.overallPhase as string)) {
        return { rr, created: false };
      }
      // Its RR is terminal or gone: release the claim and take it over, if no one else has.
      await this.claims.release(fingerprint, claim.rrName);
      const next = await this.claims.takeOver(
        fingerprint,
        claim.rrName,
        newRemediationRequestName(fingerprint),
        ns,
      );
      if (next) return this.materialise(next, build, submittedBy);
    }
    throw new Error(`claim for fingerprint ${fingerprint} kept changing; giving up for now`);
  }

  /**
   * Makes the claimed RR exist and records it: audit events first (deterministic ids,
   * built from the stored RR, so any request may write them), then the claim's uid.
   * A crash anywhere here leaves a claim without uid, which the next request resumes.
   */
  private async materialise(
    claim: Claim,
    build: (name: string, namespace: string) => KubeObject,
    submittedBy: string,
    existing?: KubeObject | null,
  ): Promise<Decision> {
    let rr: KubeObject;
    let created = false;
    if (existing) rr = existing;
    else {
      try {
        ({ rr, created } = await this.store.getOrCreate(build(claim.rrName, claim.rrNamespace)));
      } catch (err) {
        // The API server refused the object (e.g. a value its schema forbids): bad input.
        if (statusOf(err) === 422) {
          return { rejection: { reason: 'invalid-signal', message: (err as Error).message.slice(0, 500) } };
        }
        throw err;
      }
    }
    if (rr.spec?.signalFingerprint !== claim.fingerprint) {
      throw new Error(`${claim.rrNamespace}/${claim.rrName} exists with another fingerprint`);
    }
    await this.writer.write([signalReceivedEvent(rr, submittedBy), crdCreatedEvent(rr)]);
    await this.claims.recordCreated(claim.fingerprint, claim.rrName, rr.metadata.uid!);
    return { rr, created };
  }
}
