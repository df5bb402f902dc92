/** Rebuilding a RemediationRequest from its audit trail (DESIGN §8). */
export * from './build.js';
export { ReconstructionError, type ReconstructionFailure } from './errors.js';
export { MIN_COMPLETENESS, type Reconstruction, reconstructRemediationRequest } from './reconstruct.js';
export type { FieldSource, Provenance, Validation } from './types.js';
