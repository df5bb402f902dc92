/** How the demo prints: steps with elapsed time, tables, an audit timeline, a diff. */
import { canonicalJson } from '../../lib/spec-hash.js';
import { table } from '../output.js';

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
const bold = (s: string) => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);

export const step = (text: string) => process.stdout.write(`\n${bold(`▶ ${text}`)}\n`);
export const note = (text: string) => process.stdout.write(`  ${elapsed()}  ${text}\n`);
export const block = (text: string) => process.stdout.write(`${text.replace(/^/gm, '    ')}\n`);

export function rrTable(rr: {
  metadata: { name: string; creationTimestamp?: string };
  spec: Record<string, any>;
  status?: Record<string, any>;
}) {
  const age = rr.metadata.creationTimestamp
    ? `${Math.round((Date.now() - Date.parse(rr.metadata.creationTimestamp)) / 1000)}s`
    : '-';
  return table(
    ['NAME', 'PHASE', 'OUTCOME', 'SIGNAL', 'TARGET', 'AGE'],
    [
      [
        rr.metadata.name,
        rr.status?.overallPhase,
        rr.status?.completionStatus?.outcome,
        rr.spec.signalName,
        rr.spec.targetResource?.name,
        age,
      ],
    ],
  );
}

export function auditTimeline(
  events: { event_timestamp: string; event_type: string; event_outcome: string; actor_id?: string }[],
) {
  const start = events.length ? Date.parse(events[0]!.event_timestamp) : 0;
  return table(
    ['+TIME', 'EVENT', 'OUTCOME', 'ACTOR'],
    events.map((e) => [
      `+${((Date.parse(e.event_timestamp) - start) / 1000).toFixed(2)}s`,
      e.event_type,
      e.event_outcome,
      e.actor_id,
    ]),
  );
}

/** Paths where two JSON values differ (for "reconstructed vs live"). */
export function jsonDiff(a: unknown, b: unknown, path = ''): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      jsonDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return [`${path || '.'}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}
