/**
 * Kubernaut's orchestrator error categories (../shared/notes/kubernaut-ro-practices.md,
 * docs/invariants.md) applied at the activity boundary, so the workflow sees each
 * error with the reaction it needs:
 *   A not found        — handled inside each activity (get-or-create, 'gone');
 *   B transient        — 5xx, 429, network: retried with backoff, bounded by the
 *                        workflow's current deadline;
 *   C refused          — 400, 401, 403, 422: no retry helps (an RBAC change, a
 *                        stricter CRD); non-retryable, type `CategoryC`, so the
 *                        workflow fails the RR at once with the server's message;
 *   E conflict         — 409: re-read and retry (inside the activities, then retried);
 * D (watch loss) and F (a child failed) are the watchers' and the workflow's own.
 */
import { ApplicationFailure } from '@temporalio/common';
import { statusOf } from '../lib/kube/client.js';

export const CATEGORY_C = 'CategoryC';
const REFUSALS = new Set([400, 401, 403, 422]);

/** The apiserver's own words (a Status object's message), else the error's. */
function serverMessage(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: use the error's message
    }
  }
  const m = (body as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' && m ? m : (e?.message ?? String(err));
}

/**
 * The category of an apiserver error, for metrics and logs: 404 A, 409 E, a
 * refusal C, anything else B (5xx, 429, and errors with no HTTP status — network
 * failures, timeouts — all of which a retry with backoff may cure).
 */
export function categoryOf(err: unknown): 'A' | 'B' | 'C' | 'E' {
  const status = statusOf(err);
  if (status === 404) return 'A';
  if (status === 409) return 'E';
  if (status !== undefined && REFUSALS.has(status)) return 'C';
  return 'B';
}

/** The error as the workflow should see it: a refusal becomes non-retryable. */
export function categorize(err: unknown, what: string): unknown {
  if (err instanceof ApplicationFailure) return err;
  const status = statusOf(err);
  if (status !== undefined && REFUSALS.has(status)) {
    return ApplicationFailure.create({
      type: CATEGORY_C,
      nonRetryable: true,
      message: `${what} refused by the apiserver (${status}): ${serverMessage(err)}`,
      details: [{ status, category: 'C' }],
    });
  }
  return err;
}

/** Wraps every activity so its errors are categorized (names kept for registration). */
export function withErrorCategories<T extends Record<string, unknown>>(activities: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    if (typeof fn !== 'function') {
      out[name] = fn;
      continue;
    }
    out[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        throw categorize(err, name);
      }
    };
  }
  return out as T;
}
