/** Step 6: the rebuilt RR as YAML that `kubectl apply` takes as-is. */
import { stringify } from 'yaml';
import type { RebuiltRemediationRequest } from './build.js';

export function toYaml(rr: RebuiltRemediationRequest): string {
  // No line folding: long values (originalPayload, messages) stay on one line, and
  // strings that look like other types ("true", times) are quoted by the library.
  return stringify(rr, { lineWidth: 0, minContentWidth: 0 });
}
