/**
 * Writes crds/<plural>.kubernaut.ai.yaml from the definitions in this folder.
 * `npm run crds` regenerates; a test fails when the committed YAML is stale.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { CRD_DEFINITIONS } from './index.js';
import { toCrd } from './schema.js';

export function renderCrd(plural: string): string {
  const def = CRD_DEFINITIONS.find((d) => d.plural === plural);
  if (!def) throw new Error(`no CRD named ${plural}`);
  return `# Generated from crds/src by \`npm run crds\`; edit the source, not this file.\n${stringify(toCrd(def), { lineWidth: 0 })}`;
}

export const crdFileName = (plural: string) => `${plural}.kubernaut.ai.yaml`;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const def of CRD_DEFINITIONS) {
    writeFileSync(new URL(`../${crdFileName(def.plural)}`, import.meta.url), renderCrd(def.plural));
  }
  process.stdout.write(`wrote ${CRD_DEFINITIONS.length} CRDs\n`);
}
