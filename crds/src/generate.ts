/**
 * Writes crds/<plural>.kubernaut.ai.yaml from the definitions in this folder.
 * `npm run crds` regenerates; a test fails when the committed YAML is stale.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { approvalAdmissionPolicy, DEPLOY_APPROVAL_ADMISSION } from '../../lib/kube/approval-admission.js';
import { CRD_DEFINITIONS } from './index.js';
import { toCrd } from './schema.js';

export function renderCrd(plural: string): string {
  const def = CRD_DEFINITIONS.find((d) => d.plural === plural);
  if (!def) throw new Error(`no CRD named ${plural}`);
  return `# Generated from crds/src by \`npm run crds\`; edit the source, not this file.\n${stringify(toCrd(def), { lineWidth: 0 })}`;
}

/** deploy/base/admission-approval.yaml: the approval identity policy (I10) for deploy/'s identities. */
export function renderApprovalAdmission(): string {
  const [policy, binding] = approvalAdmissionPolicy(DEPLOY_APPROVAL_ADMISSION);
  return `# Generated from lib/kube/approval-admission.ts by \`npm run crds\`; edit the source, not this file.
# Who decided, as the API server saw it (docs/invariants.md I10): people creating
# RemediationRequests name themselves in kubernaut.ai/created-by, and people answering
# an approval by kubectl name themselves in status.responses[].by (or decidedBy); the
# worker and the API (the gateway) are exempt, as they record on others' behalf.
${stringify(policy, { lineWidth: 0 })}---
${stringify(binding, { lineWidth: 0 })}`;
}

export const crdFileName = (plural: string) => `${plural}.kubernaut.ai.yaml`;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const def of CRD_DEFINITIONS) {
    writeFileSync(new URL(`../${crdFileName(def.plural)}`, import.meta.url), renderCrd(def.plural));
  }
  writeFileSync(new URL('../../deploy/base/admission-approval.yaml', import.meta.url), renderApprovalAdmission());
  process.stdout.write(`wrote ${CRD_DEFINITIONS.length} CRDs and deploy/base/admission-approval.yaml\n`);
}
