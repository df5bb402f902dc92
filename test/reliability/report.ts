/**
 * The figures a reliability run reports (kills survived, remediations completed,
 * duplicates found, inputs tried, 5xx seen): one line per test on stderr, written
 * after its assertions passed, so a printed line is a checked one.
 */
export function reportFigures(test: string, figures: Record<string, number | string>) {
  const shown = Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  process.stderr.write(`[reliability] ${test}: ${shown}\n`);
}
