import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { crdFileName, renderApprovalAdmission, renderCrd } from '../../crds/src/generate.js';
import { CATALOG_KINDS, CRD_DEFINITIONS, POLICY_KINDS } from '../../crds/src/index.js';

describe('CRD files', () => {
  it.each(CRD_DEFINITIONS.map((d) => d.plural))(
    'crds/%s is up to date with its source (run `npm run crds`)',
    (plural) => {
      const committed = readFileSync(new URL(`../../crds/${crdFileName(plural)}`, import.meta.url), 'utf8');
      expect(committed).toBe(renderCrd(plural));
    },
  );

  it('deploy/base/admission-approval.yaml is up to date with lib/kube/approval-admission.ts (run `npm run crds`)', () => {
    const committed = readFileSync(
      new URL('../../deploy/base/admission-approval.yaml', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(renderApprovalAdmission());
  });

  it('gives RemediationRequest the short name rr, a status subresource and the printer columns', () => {
    const crd = parse(renderCrd('remediationrequests'));
    const v = crd.spec.versions[0];
    expect(crd.spec.names.shortNames).toContain('rr');
    expect(v.subresources).toEqual({ status: {} });
    expect(
      v.additionalPrinterColumns
        .filter((c: { priority?: number }) => !c.priority)
        .map((c: { name: string }) => c.name),
    ).toEqual(['Phase', 'Outcome', 'Signal', 'Target', 'Age']);
  });

  it('makes every lifecycle spec immutable after creation (catalog entries and policies are updated by re-applying)', () => {
    for (const def of CRD_DEFINITIONS.filter((d) => ![...CATALOG_KINDS, ...POLICY_KINDS].includes(d.kind))) {
      const rule = (def.spec['x-kubernetes-validations'] as { rule: string }[] | undefined)?.[0]?.rule;
      expect(rule, def.kind).toBe('self == oldSelf');
    }
  });
});
