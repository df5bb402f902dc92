/**
 * What one informer's copy of the watched objects costs in V8's heap, per RR, in a
 * namespace as it is now — the part of a parked remediation's memory that a worker
 * holds once per informer of each kind (docs/performance.md, note 5). Run it beside
 * a worker that is parking remediations (the `parked` figure's namespace is
 * `<tag>-parked`):
 *
 *   KUBECONFIG=<the stack's kubeconfig> node --expose-gc --import tsx \
 *     bench/cached-copy-heap.ts <namespace>
 *
 * Each kind is listed as the informer lists it, stripped of managedFields as the
 * informer strips them, then parsed from JSON the way the watch delivers objects,
 * and the heap is read after a full collection before and after: the live bytes the
 * parsed objects hold, not an estimate from their JSON.
 */
import * as k8s from '@kubernetes/client-node';
import { API_GROUP } from '../lib/domain.js';
import { CHILD_KINDS } from '../lib/kinds.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const namespace = process.argv[2];
if (!namespace) throw new Error('usage: cached-copy-heap.ts <namespace>');

const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const plurals = ['remediationrequests', ...Object.values(CHILD_KINDS).map((k) => k.plural)];

/** Live heap bytes after a full collection (twice: weak references and finalizers settle). */
function live(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

let rrs = 0;
let total = 0;
for (const plural of plurals) {
  const list = (await custom.listNamespacedCustomObject({
    group: API_GROUP,
    version: 'v1alpha1',
    namespace,
    plural,
  })) as { items: { metadata?: { managedFields?: unknown } }[] };
  for (const o of list.items) delete o.metadata?.managedFields;
  const json = list.items.map((o) => JSON.stringify(o));
  (list as { items: unknown[] }).items = [];
  const before = live();
  const held = json.map((s) => JSON.parse(s) as unknown);
  const bytes = live() - before;
  if (plural === 'remediationrequests') rrs = held.length;
  total += bytes;
  const n = held.length;
  const jsonKb = n ? json.reduce((a, s) => a + s.length, 0) / n / 1024 : 0;
  console.log(
    `${plural}: ${n} objects, ${jsonKb.toFixed(1)} kB of JSON and ${n ? (bytes / n / 1024).toFixed(1) : '0'} kB of heap each`,
  );
  held.length = 0;
}
console.log(
  `one cached copy of every object: ${(total / 1024 / 1024).toFixed(1)} MB of heap, ${rrs ? (total / rrs / 1024).toFixed(1) : '-'} kB per RR (${rrs} RRs)`,
);
