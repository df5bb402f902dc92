/**
 * What a worker's garbage collections cost over a window, from its own /metrics:
 * prom-client's nodejs_gc_duration_seconds (main-thread pause time by kind: minor,
 * major, incremental marking, weak callbacks) and the worker's full collections of
 * both heaps (kubernaut_worker_memory_collections_total, collect-when-grown.ts), and
 * the reconciler's passes by kind (a full pass lists every RR and run). With
 * the split by thread (thread-cpu.ts) it tells whether a parked worker's CPU goes to
 * collecting — and whether V8 or our own collection asks for it.
 */
export type GcReading = Map<string, number>;

/** The GC series of the worker's /metrics: pauses (count, seconds) by kind, and our collections. */
export async function readGc(port: number): Promise<GcReading> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: GcReading = new Map();
  for (const line of text.split('\n')) {
    const pass = /^kubernaut_reconciler_passes_total\{kind="(\w+)"\}\s+(\S+)$/.exec(line);
    if (pass) out.set(`passes ${pass[1]}`, Number(pass[2]));
    const m =
      /^(nodejs_gc_duration_seconds_(?:sum|count)\{kind="(\w+)"\}|kubernaut_worker_memory_collections_total)\s+(\S+)$/.exec(
        line,
      );
    if (!m) continue;
    const key = m[2] ? `${m[2]} ${m[1]!.includes('_sum') ? 's' : 'n'}` : 'collections';
    out.set(key, Number(m[3]));
  }
  return out;
}

/** One line: each GC kind's pauses in the window (count, seconds) and our full collections. */
export function gcSplit(before: GcReading, after: GcReading): string {
  const d = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
  const kinds = [
    ...new Set(
      [...after.keys()]
        .filter((k) => k !== 'collections' && !k.startsWith('passes '))
        .map((k) => k.split(' ')[0]!),
    ),
  ];
  const parts = kinds
    .map((kind) => `${kind} ${d(`${kind} n`)} × (${d(`${kind} s`).toFixed(2)} s)`)
    .filter((p) => !p.startsWith('0 '));
  return `${parts.join(', ')}; full collections by collect-when-grown: ${d('collections')}; reconciler passes: ${d('passes full')} full, ${d('passes changes')} changes`;
}
