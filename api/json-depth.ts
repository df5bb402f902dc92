/**
 * A ceiling on how deeply a JSON request body may nest, enforced on the text before
 * it is parsed. V8's JSON.parse copes with any depth, but most of what handles a
 * parsed value afterwards recurses — JSON.stringify overflows the stack past about
 * 4,000 levels — so a 30 KB body of nested brackets used to end in a 500. Refused
 * here, such a body never reaches a schema, a handler or a log line.
 *
 * Every payload this API accepts is far shallower than the ceiling: an audit event
 * is at most 12 levels (event_data itself at most 10), a batch one more, an
 * Alertmanager webhook about 5, a core v1 Event with its managedFields about 10.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from './problems.js';

export const MAX_JSON_BODY_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Index of the quote closing a string whose content starts at `from`, or -1. A quote
 * closes the string when an even number of backslashes precede it. indexOf jumps over
 * the string's content instead of looking at each character: event_data strings are
 * most of an audit batch, and a per-character loop over them was a tenth of the API's
 * CPU in the ingest profile (docs/performance.md).
 */
function closingQuote(text: string, from: number): number {
  for (let q = text.indexOf('"', from); q >= 0; q = text.indexOf('"', q + 1)) {
    let k = q - 1;
    while (k >= from && text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
  }
  return -1;
}

/**
 * Whether JSON `text` opens more than `limit` arrays or objects inside one another.
 * One pass with a counter, no recursion; stops at the first level past the limit,
 * so a hostile body costs no more than its first few hundred bytes. Brackets inside
 * strings do not count. Text that is not JSON gives some answer; the parser refuses
 * it either way.
 */
export function jsonTextNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i + 1);
      if (i < 0) return false;
    } else if (c === 0x5b || c === 0x7b) {
      // [ {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--; // ] }
  }
  return false;
}

/**
 * Replaces Fastify's JSON body parser with one that refuses (400 problem) a body
 * nested deeper than `maxDepth`, then parses as Fastify would: the same
 * secure-json-parse with prototype and constructor poisoning refused, and the same
 * body limits (the app's, or a route's own).
 */
export function installJsonDepthLimit(app: FastifyInstance, maxDepth = MAX_JSON_BODY_DEPTH) {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: app.initialConfig.bodyLimit },
    (req, body, done) => {
      if (jsonTextNestsDeeperThan(body as string, maxDepth)) {
        done(badRequest(`the JSON body nests arrays and objects deeper than ${maxDepth} levels`), undefined);
        return;
      }
      parse(req, body as string, done);
    },
  );
}
