/**
 * A worker refuses to start against a Temporal namespace that lacks one of the
 * search attributes its workflows upsert (lib/search-attributes.ts). Such an upsert
 * fails the workflow task, and Temporal retries it forever: every remediation would
 * stop where it first publishes its phase — a wedge nobody asked for, found only in
 * the Web UI. Failing at start instead names what is missing and how to add it, so an
 * upgrade that adds an attribute (BlockReason, say) cannot wedge running remediations.
 */
import { type Connection, isGrpcServiceError } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_NAMES } from '../lib/search-attributes.js';

/** gRPC status codes (grpc-js is not a direct dependency): PERMISSION_DENIED, UNIMPLEMENTED. */
const CANNOT_SAY = [7, 12];

export class MissingSearchAttributes extends Error {
  constructor(
    readonly namespace: string,
    readonly missing: string[],
  ) {
    super(
      `Temporal namespace ${namespace} lacks the search attribute(s) ${missing.join(', ')}; remediations would wedge upserting them. Register them first: ${missing
        .map(
          (n) =>
            `temporal operator search-attribute create --namespace ${namespace} --name ${n} --type Keyword`,
        )
        .join(' && ')}`,
    );
  }
}

/**
 * Throws MissingSearchAttributes when the namespace lacks one. Answers 'unchecked'
 * when the server will not say (an identity without the operator's list right): the
 * worker starts then, as before this check, and the log says so.
 */
export async function checkSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<'ok' | 'unchecked'> {
  let registered: string[];
  try {
    const res = await connection.operatorService.listSearchAttributes({ namespace });
    registered = Object.keys(res.customAttributes ?? {});
  } catch (err) {
    if (isGrpcServiceError(err) && CANNOT_SAY.includes(err.code)) return 'unchecked';
    throw err;
  }
  const missing = SEARCH_ATTRIBUTE_NAMES.filter((n) => !registered.includes(n));
  if (missing.length > 0) throw new MissingSearchAttributes(namespace, missing);
  return 'ok';
}
