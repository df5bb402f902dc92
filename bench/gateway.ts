/**
 * Gateway signals/s through POST /api/v1/signals/prometheus, for new signals (each
 * request a new deployment: owner resolution, claim row, RR create, first count,
 * audit) and for duplicates (one open RR: deduplication count and audit).
 *
 * New signals are compared with the floor of creating an RR: the same number of
 * RRs of the same shape POSTed straight to the same kube-apiserver by the same
 * client at the same concurrency (issue 19). Duplicates create nothing, so their
 * reference stays the same client and bodies on an empty Fastify route; that route's
 * figure for the new-signal bodies is kept in a note.
 */
import { type BenchContext, scale } from './context.js';
import { gatewayBench } from './gateway-setup.js';
import { runLoad } from './load.js';
import { type FigureRow, median } from './stats.js';

const CONNECTIONS = 10;

export async function gatewaySignals(ctx: BenchContext): Promise<FigureRow[]> {
  const gw = await gatewayBench(ctx, '');
  const { raw, empty, headers, url, rawNamespace, targetNamespace } = gw;
  const fresh = scale(ctx, 200, 2_000);
  const dups = scale(ctx, 500, 5_000);
  const rowNew: FigureRow = {
    unit: 'signals/s',
    referenceLabel: 'raw RR creates (apiserver)',
    better: 'higher',
    target: '≥ 0.7×',
    met: (_m, ratio) => ratio >= 0.7,
    figure: 'gateway signals/s, new',
    values: [],
    reference: [],
    notes: [`${fresh} new signals and ${fresh} raw RR creates per run, ${CONNECTIONS} clients`],
  };
  const emptyForNew: number[] = [];
  const rowDup: FigureRow = {
    unit: 'signals/s',
    referenceLabel: 'empty route',
    better: 'higher',
    target: '≥ 0.5×',
    met: (_m, ratio) => ratio >= 0.5,
    figure: 'gateway signals/s, duplicate',
    values: [],
    reference: [],
    notes: [`${dups} duplicates per run, ${CONNECTIONS} clients`],
  };
  try {
    for (let r = 0; r < ctx.runs; r++) {
      const newBody = { kind: 'signal-new', tag: `new-${r}`, namespace: targetNamespace } as const;
      const real = await runLoad({
        url,
        method: 'POST',
        headers,
        connections: CONNECTIONS,
        amount: fresh,
        timeoutSec: 600,
        body: newBody,
      });
      // The floor: the same RRs the gateway just created, posted as they are.
      const rawRef = await runLoad({
        url: raw.url,
        method: 'POST',
        headers: raw.headers,
        connections: CONNECTIONS,
        amount: fresh,
        timeoutSec: 600,
        body: { kind: 'rr-new', tag: `raw-${r}`, namespace: rawNamespace, targetNamespace },
      });
      const emptyRef = await runLoad({
        url: `${empty.url}/empty`,
        method: 'POST',
        connections: CONNECTIONS,
        amount: fresh,
        timeoutSec: 120,
        body: newBody,
      });
      if (real.non2xx || real.errors)
        rowNew.notes!.push(`run ${r}: ${real.non2xx} non-2xx, ${real.errors} errors`);
      if (rawRef.non2xx || rawRef.errors)
        rowNew.notes!.push(`run ${r}: raw creates ${rawRef.non2xx} non-2xx, ${rawRef.errors} errors`);
      rowNew.values.push(real.perSec);
      rowNew.reference.push(rawRef.perSec);
      emptyForNew.push(emptyRef.perSec);

      // The first signal opens the RR; everything after it is a duplicate.
      const dupBody = await gw.openOne(`dup-${r}`);
      const static_ = { kind: 'static', body: dupBody } as const;
      const realDup = await runLoad({
        url,
        method: 'POST',
        headers,
        connections: CONNECTIONS,
        amount: dups,
        timeoutSec: 600,
        body: static_,
      });
      const refDup = await runLoad({
        url: `${empty.url}/empty`,
        method: 'POST',
        connections: CONNECTIONS,
        amount: dups,
        timeoutSec: 120,
        body: static_,
      });
      if (realDup.non2xx || realDup.errors)
        rowDup.notes!.push(`run ${r}: ${realDup.non2xx} non-2xx, ${realDup.errors} errors`);
      rowDup.values.push(realDup.perSec);
      rowDup.reference.push(refDup.perSec);
    }
  } finally {
    await gw.close();
  }
  const e = median(emptyForNew);
  rowNew.notes!.push(
    `against the empty route (the old reference): ${e.toFixed(0)}/s, ratio ${(median(rowNew.values) / e).toFixed(3)}×`,
  );
  return [rowNew, rowDup];
}
