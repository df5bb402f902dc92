/**
 * `kubernaut verify --export <file>`: an auditor's offline check of a signed export
 * (GET /api/v1/audit/export). No database, no API: only the verifier keys the
 * auditor trusts (--log-key, KUBERNAUT_AUDIT_LOG_KEYS), never a key the file offers.
 * Prints what it checked; on any fault, names the first bad event and exits 1.
 */
import { readFileSync } from 'node:fs';
import type { AuditExport } from '../lib/audit/export-format.js';
import { describeFault, verifyExport } from '../lib/audit/export-verify.js';
import { parseVerifierKey } from '../lib/audit/note.js';
import { CliError, EXIT, print, printJson } from './output.js';

export function verifyExportFile(path: string, keyTexts: string[], output: string): void {
  if (keyTexts.length === 0) {
    throw new CliError(
      'no trusted key: give --log-key or set KUBERNAUT_AUDIT_LOG_KEYS to the verifier key the API prints at start',
      EXIT.usage,
    );
  }
  let keys: ReturnType<typeof parseVerifierKey>[];
  try {
    keys = keyTexts.map(parseVerifierKey);
  } catch (err) {
    throw new CliError(`a trusted key is malformed: ${(err as Error).message}`, EXIT.usage);
  }
  let x: AuditExport;
  try {
    x = JSON.parse(readFileSync(path, 'utf8')) as AuditExport;
  } catch (err) {
    throw new CliError(`cannot read the export ${path}: ${(err as Error).message}`, EXIT.usage);
  }
  const v = verifyExport(x, keys);
  if (output === 'json') printJson(v);
  else {
    for (const line of v.checked) print(line);
    print(v.ok ? `intact: ${path}` : `TAMPERED: ${v.faults.length} fault(s) in ${path}`);
    for (const f of v.faults.slice(0, 50)) print(`  ${describeFault(f)}`);
  }
  if (!v.ok) {
    process.stderr.write(`kubernaut: EXPORT VERIFICATION FAILED: ${describeFault(v.faults[0]!)}\n`);
    process.exitCode = EXIT.refused;
  }
}
