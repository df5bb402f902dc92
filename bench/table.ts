/**
 * Turns figure rows into the printed table and the JSON record: median over the
 * runs, min–max, the reference's median, the ratio of the two medians, the target
 * and whether it is met.
 */
import { type FigureRow, median } from './stats.js';

export interface SummaryRow {
  figure: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  referenceLabel: string;
  referenceMedian: number;
  /** figure ÷ reference, both medians of the same run. */
  ratio: number;
  target: string;
  met: 'yes' | 'no' | '—';
  runs: number[];
  references: number[];
  notes: string[];
}

export function summarise(r: FigureRow): SummaryRow {
  const m = median(r.values);
  const ref = median(r.reference);
  const ratio = m / ref;
  return {
    figure: r.figure,
    unit: r.unit,
    median: m,
    min: Math.min(...r.values),
    max: Math.max(...r.values),
    referenceLabel: r.referenceLabel,
    referenceMedian: ref,
    ratio,
    target: r.target ?? '—',
    met: r.met ? (r.met(m, ratio) ? 'yes' : 'no') : '—',
    runs: r.values,
    references: r.reference,
    notes: r.notes ?? [],
  };
}

const fmt = (n: number) =>
  !Number.isFinite(n)
    ? 'n/a'
    : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 10
        ? n.toFixed(1)
        : n.toFixed(2);

/** A Markdown table, readable in a terminal and pasteable into the README as is. */
export function formatTable(rows: SummaryRow[]): string {
  const head = ['figure', 'median', 'min–max', 'reference (median)', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => [
    r.figure,
    `${fmt(r.median)} ${r.unit}`,
    `${fmt(r.min)}–${fmt(r.max)}`,
    `${r.referenceLabel}: ${fmt(r.referenceMedian)} ${r.unit}`,
    `${fmt(r.ratio)}×`,
    r.target,
    r.met,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const notes = rows.flatMap((r) => r.notes.map((n) => `- ${r.figure}: ${n}`));
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
}
