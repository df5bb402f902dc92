/** The audit store: one writer, queries, chain verification, legal holds and retention. */
export { GENESIS_HASH, type HashAlgorithm } from './hash.js';
export { deterministicEventId } from './ids.js';
export {
  type LegalHold,
  type LegalHoldRelease,
  listLegalHolds,
  placeLegalHold,
  releaseLegalHold,
} from './legal-hold.js';
export {
  type AuditQueryFilters,
  type AuditQueryPage,
  DETAIL_KEY_PATTERN,
  InvalidCursorError,
  queryAuditEvents,
} from './query.js';
export { applyRetention, type RetentionOptions, type RetentionResult } from './retention.js';
export { AuditInputError } from './rows.js';
export * from './types.js';
export {
  type ChainVerification,
  type TamperedEvent,
  type VerifyChainOptions,
  verifyChain,
} from './verify.js';
export { type AuditWriterOptions, createAuditWriter } from './writer.js';
