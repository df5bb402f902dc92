/**
 * Checks on a parsed signal before anything is looked up or written: values the
 * RR schema would refuse, oversized alerts, targets that are not Kubernetes names,
 * and (optionally) firing times in the future. Each failure is a rejection with a
 * reason, never an error: the sender's other alerts still go through.
 */
import type { GatewayOptions } from './ingest.js';
import type { Rejection, Signal } from './signal.js';
import { targetProblem } from './target-kinds.js';

export function validateSignal(
  signal: Signal,
  opts: Pick<GatewayOptions, 'maxSignalBytes' | 'maxFutureSkewMs'>,
  receivedAt: Date,
): Rejection | null {
  if (!signal.name || signal.name.length > 253) {
    return { reason: 'invalid-signal', message: 'the signal name must be 1 to 253 characters' };
  }
  if (signal.severity.length > 50) {
    return { reason: 'invalid-signal', message: 'severity must be at most 50 characters' };
  }
  if (signal.clusterId && signal.clusterId.length > 253) {
    return { reason: 'invalid-signal', message: 'the cluster id must be at most 253 characters' };
  }
  const size = Buffer.byteLength(JSON.stringify(signal.originalPayload));
  if (size > opts.maxSignalBytes) {
    return {
      reason: 'too-large',
      message: `the signal is ${size} bytes; at most ${opts.maxSignalBytes} are accepted per alert or event`,
    };
  }
  const firing = Date.parse(signal.firingTime);
  if (opts.maxFutureSkewMs !== null && firing - receivedAt.getTime() > opts.maxFutureSkewMs) {
    return {
      reason: 'firing-time-in-future',
      message: `firing time ${signal.firingTime} is more than ${opts.maxFutureSkewMs / 1000}s in the future`,
    };
  }
  if (!signal.target) {
    return {
      reason: 'no-target',
      message:
        'no target resource: the labels name no pod, deployment, statefulset, daemonset, node or namespace',
    };
  }
  const problem = targetProblem(signal.target);
  if (problem) return { reason: 'invalid-target', message: problem };
  return null;
}
