/** Why a reconstruction could not produce an RR; the API turns each into a problem. */
export type ReconstructionFailure = 'no-events' | 'missing-genesis' | 'incomplete';

export class ReconstructionError extends Error {
  constructor(
    readonly failure: ReconstructionFailure,
    message: string,
    /** For `incomplete`: the fields that could not be rebuilt. */
    readonly missing: string[] = [],
  ) {
    super(message);
    this.name = 'ReconstructionError';
  }
}
