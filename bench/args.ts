/**
 * The bench's command line (commander, as the `kubernaut` CLI):
 *   npm run bench [-- <figure>…] [--quick] [--against URL (--token T | $BENCH_AGAINST_TOKEN)]
 * `--against` compares our audit API with another Kubernaut-compatible Data Storage
 * (bench/against-*.ts) instead of the same-run references; only the audit figures
 * have a counterpart there.
 */
import { Command } from 'commander';

export interface BenchArgs {
  quick: boolean;
  /** Figures asked for by name; empty means all of the mode's. */
  names: string[];
  against?: { url: string; token: string };
}

/**
 * The load generator sends only to 127.0.0.1 (bench/load-child.ts): a bounded load
 * never leaves the machine. A Data Storage elsewhere is reached through a local
 * forward (kubectl port-forward), which also keeps its own auth proxy in the path.
 */
function loopbackUrl(raw: string): string {
  const url = URL.parse(raw);
  if (url?.protocol !== 'http:' || url.hostname !== '127.0.0.1' || !url.port || url.pathname !== '/')
    throw new Error(
      `--against takes http://127.0.0.1:PORT (the load stays on this machine; forward a remote Data Storage, e.g. kubectl port-forward), got "${raw}"`,
    );
  return url.origin;
}

export function parseBenchArgs(argv: string[], figures: string[], againstFigures: string[]): BenchArgs {
  const program = new Command('bench')
    .description('each figure against a reference measured in the same run (bench/README.md)')
    .argument('[figures...]', `figures to run (default all): ${figures.join(', ')}`)
    .option('--quick', 'smaller counts, 3 runs: a smoke run')
    .option(
      '--against <url>',
      `compare our audit API with the Data Storage at this URL (figures: ${againstFigures.join(', ')})`,
    )
    .option('--token <token>', 'bearer token for --against (or env BENCH_AGAINST_TOKEN)')
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .parse(argv, { from: 'user' });
  const opts = program.opts<{ quick?: boolean; against?: string; token?: string }>();
  const names = program.processedArgs[0] as string[];
  const known = opts.against ? againstFigures : figures;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length)
    program.error(
      `unknown figure(s)${opts.against ? ' for --against' : ''}: ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
  const token = opts.token ?? process.env.BENCH_AGAINST_TOKEN;
  if (opts.token !== undefined && !opts.against) program.error('--token is for --against');
  if (opts.against && !token) program.error('--against needs --token T (or BENCH_AGAINST_TOKEN)');
  let against: BenchArgs['against'];
  try {
    against = opts.against ? { url: loopbackUrl(opts.against), token: token! } : undefined;
  } catch (err) {
    program.error((err as Error).message);
  }
  return { quick: !!opts.quick, names, against };
}
