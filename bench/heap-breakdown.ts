/**
 * Where a running worker's resident memory is, read from outside while it works:
 * its main thread's V8 heap before and after a full collection (live objects against
 * garbage not yet collected), the same for the SDK's workflow thread, and what is
 * left of the process's RSS (native: the Rust core, V8's code space, buffers).
 * docs/performance.md note 5 reads the parked worker with it:
 *
 *   node --import tsx bench/heap-breakdown.ts <worker pid>
 *
 * The parked and worker-memory figures take one at the end of their run (a note).
 * It opens the worker's inspector (SIGUSR1, on 127.0.0.1:9229) and speaks the
 * DevTools protocol to it; the collections pause the worker for about a second.
 */
import { readFileSync } from 'node:fs';
import { type InspectorSession, openInspector } from './inspector.js';
import { sleep } from './stats.js';

const usage = async (s: InspectorSession, session?: string) => {
  const before = (await s.send('Runtime.getHeapUsage', {}, session)).result as {
    usedSize: number;
    totalSize: number;
  };
  await s.send('HeapProfiler.collectGarbage', {}, session);
  const after = (await s.send('Runtime.getHeapUsage', {}, session)).result as {
    usedSize: number;
    totalSize: number;
  };
  return { committed: before.totalSize, used: before.usedSize, live: after.usedSize, total: after.totalSize };
};

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Resident MB by mapping: malloc's main arena ([heap]), anonymous maps (V8's pages among them), files. */
function mappings(pid: number): Record<'malloc arena' | 'anonymous' | 'files', number> {
  const out = { 'malloc arena': 0, anonymous: 0, files: 0 };
  let kind: keyof typeof out = 'anonymous';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m)
      kind =
        m[1] === '[heap]' ? 'malloc arena' : m[1] === '' || m[1]!.startsWith('[') ? 'anonymous' : 'files';
    else if (line.startsWith('Rss:')) out[kind] += Number(line.split(/\s+/)[1]) / 1024;
  }
  return out;
}
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** The breakdown, as lines of text; opens the process's inspector (SIGUSR1). */
export async function heapBreakdown(pid: number): Promise<string[]> {
  const out: string[] = [];
  const s = await openInspector(pid);
  const workers: string[] = [];
  s.listeners.push((m) => {
    if (m.method === 'NodeWorker.attachedToWorker')
      workers.push((m.params as { sessionId: string }).sessionId);
  });
  await s.send('NodeWorker.enable', { waitForDebuggerOnStart: false });
  await sleep(500);
  const rss = rssMb(pid);
  const before = mappings(pid);
  const main = await usage(s);
  const threads = [];
  for (const w of workers) threads.push(await usage(s, w));
  s.close();
  await sleep(1000);
  const after = mappings(pid);
  const rssAfter = rssMb(pid);

  const line = (what: string, h: typeof main) =>
    out.push(
      `${what}: ${mb(h.committed)} committed, ${mb(h.used)} used; after a full collection ${mb(h.live)} live, ${mb(h.total)} committed`,
    );
  out.push(`worker pid ${pid}: RSS ${rss.toFixed(0)} MB; ${rssAfter.toFixed(0)} MB after the collections`);
  line('main thread heap', main);
  for (const [i, t] of threads.entries()) line(`workflow thread ${i + 1} heap`, t);
  const heaps = main.total + threads.reduce((a, t) => a + t.total, 0);
  out.push(
    `outside the V8 heaps after the collections (native, code, buffers): ${(rssAfter - heaps / 1024 / 1024).toFixed(0)} MB`,
  );
  const show = (m: ReturnType<typeof mappings>) =>
    Object.entries(m)
      .map(([k, v]) => `${k} ${v.toFixed(0)} MB`)
      .join(', ');
  out.push(`resident by mapping: ${show(before)}; after the collections ${show(after)}`);
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const pid = Number(process.argv[2]);
  if (!pid) throw new Error('usage: heap-breakdown.ts <worker pid>');
  for (const l of await heapBreakdown(pid)) console.log(l);
  process.exit(0);
}
