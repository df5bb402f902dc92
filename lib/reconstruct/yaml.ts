/** Step 6: the rebuilt RR as YAML that `kubectl apply` takes as-is. */
import { stringify } from 'yaml';
import type { RebuiltRemediationRequest } from './build.js';

/**
 * Any JSON-like value as a YAML document. Written for YAML 1.1 readers (kubectl's
 * sigs.k8s.io/yaml among them), so strings such as "yes", "off" or "0.90" are
 * quoted and read back as strings; no line folding, so long values stay on one line.
 */
export function toYamlDocument(value: unknown): string {
  return stringify(value, {
    lineWidth: 0,
    minContentWidth: 0,
    version: '1.1',
    defaultStringType: 'QUOTE_DOUBLE',
    defaultKeyType: 'PLAIN',
  });
}

export function toYaml(rr: RebuiltRemediationRequest): string {
  return toYamlDocument(rr);
}
