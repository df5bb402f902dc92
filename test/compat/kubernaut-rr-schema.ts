/** Validators of spec and status from Kubernaut's RR CRD (read at test time, never copied). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import formatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { referenceDir } from './kubernaut-openapi.js';

const addFormats = formatsModule.default;

export function kubernautRrSchema() {
  const file = join(referenceDir(), 'crds', 'kubernaut.ai_remediationrequests.yaml');
  const crd = parse(readFileSync(file, 'utf8'));
  const version = crd.spec.versions.find((v: { name: string }) => v.name === 'v1alpha1');
  const schema = version.schema.openAPIV3Schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Kubernetes' "duration" format is Go's time.ParseDuration ("1h", "5m0s"), not
  // ISO 8601's (P1D) that ajv-formats knows by that name.
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  return { spec: ajv.compile(schema.properties.spec), status: ajv.compile(schema.properties.status) };
}
