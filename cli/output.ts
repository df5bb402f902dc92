/** Human tables and JSON for the CLI (and the -o option that picks one), and the exit codes scripts rely on. */
import { Option } from 'commander';

export const EXIT = { ok: 0, refused: 1, usage: 2, notFound: 3, unavailable: 4 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export function table(headers: string[], rows: (string | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => c ?? '-'))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function age(fromIso: string | undefined, to = Date.now()): string {
  if (!fromIso) return '-';
  const s = Math.max(0, Math.round((to - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function timeLeft(untilIso: string | undefined): string {
  if (!untilIso) return '-';
  const ms = Date.parse(untilIso) - Date.now();
  return ms <= 0 ? 'expired' : age(new Date(Date.now() - ms).toISOString());
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** The `-o table|json` option most commands take. */
export const outputOption = () =>
  new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table');
