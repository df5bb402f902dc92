/**
 * The Merkle tree of RFC 9162 §2.1 (as RFC 6962 §2.1) over the audit log, and its
 * proofs. Pure functions over hashes; where the hashes live is the caller's business.
 *
 *   leaf   = SHA-256(0x00 || entry)
 *   node   = SHA-256(0x01 || left || right)
 *   MTH(D[n]) for n > 1 = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of 2 < n
 *
 * Storage model: every *perfect* subtree — `level` ℓ and `index` i, covering leaves
 * [i·2^ℓ, (i+1)·2^ℓ) — gets its hash stored once, when its last leaf is appended
 * (level 0 are the leaf hashes themselves). Any range the RFC's recursion asks for is
 * then a few perfect subtrees folded from the right, so a root, an inclusion proof or
 * a consistency proof costs O(log n) stored hashes, never a walk over the leaves.
 *
 * Hand-written rather than a dependency: no maintained npm package implements RFC 9162
 * tree building with inclusion and consistency proofs (sigstore's verifier checks
 * inclusion only, internally). The RFC 6962 test vectors in
 * test/unit/audit-merkle.test.ts hold it to the reference implementation.
 */
import { createHash } from 'node:crypto';

export type Hash = Buffer;

export const HASH_SIZE = 32;
/** MTH of the empty tree: SHA-256 of nothing. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** The byte a leaf's hash starts with (RFC 6962: 0x00 for leaves, 0x01 for nodes). */
export const LEAF_PREFIX = Buffer.of(0);

export function leafHash(entry: Uint8Array): Hash {
  return createHash('sha256').update(LEAF_PREFIX).update(entry).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** A perfect subtree: level ℓ, index i, covering leaves [i·2^ℓ, (i+1)·2^ℓ). */
export interface NodeId {
  level: number;
  index: number;
}

export const nodeKey = (n: NodeId) => `${n.level}/${n.index}`;

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees that make up [start, end), left to right, largest first.
 * Exact for every range the RFC recursion produces (start aligned to a power of two
 * at least end - start), which are the only ones this module asks for.
 */
export function perfectNodes(start: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  let at = start;
  while (at < end) {
    let level = 0;
    // Grow while the subtree stays aligned at `at` and inside the range.
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    out.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return out;
}

/** MTH(D[start:end]) from the stored perfect subtrees (`get` throws when one is missing). */
export function rangeHash(start: number, end: number, get: (n: NodeId) => Hash): Hash {
  if (end <= start) return EMPTY_ROOT;
  const hashes = perfectNodes(start, end).map(get);
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** A subtree range [start, end) whose MTH is one element of a proof. */
export type Range = [start: number, end: number];

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the ranges of an inclusion proof, leaf side first. */
export function inclusionRanges(index: number, size: number): Range[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const out: Range[] = [];
  const walk = (m: number, start: number, n: number) => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      out.push([start + k, start + n]);
    } else {
      walk(m - k, start + k, n - k);
      out.push([start, start + k]);
    }
  };
  walk(index, 0, size);
  return out;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): the ranges of a consistency proof from m to n. */
export function consistencyRanges(m: number, n: number): Range[] {
  if (!(m >= 0 && m <= n)) throw new RangeError(`no consistency proof from size ${m} to size ${n}`);
  if (m === 0 || m === n) return [];
  const out: Range[] = [];
  const sub = (mm: number, start: number, nn: number, whole: boolean) => {
    if (mm === nn) {
      if (!whole) out.push([start, start + nn]);
      return;
    }
    const k = splitPoint(nn);
    if (mm <= k) {
      sub(mm, start, k, whole);
      out.push([start + k, start + nn]);
    } else {
      sub(mm - k, start + k, nn - k, false);
      out.push([start, start + k]);
    }
  };
  sub(m, 0, n, true);
  return out;
}

/** Every stored node the given ranges need, each once. */
export function nodesFor(ranges: Range[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const [a, b] of ranges) for (const n of perfectNodes(a, b)) seen.set(nodeKey(n), n);
  return [...seen.values()];
}

const isHash = (h: unknown): h is Hash => Buffer.isBuffer(h) && h.length === HASH_SIZE;

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or undefined when it cannot be one. */
export function rootFromInclusion(index: number, size: number, leaf: Hash, proof: Hash[]): Hash | undefined {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size)) || index < 0 || index >= size) return;
  if (!isHash(leaf) || !proof.every(isHash)) return;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node has no right sibling (the right edge).
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

export function verifyInclusion(index: number, size: number, leaf: Hash, proof: Hash[], root: Hash): boolean {
  const r = rootFromInclusion(index, size, leaf, proof);
  return !!r && isHash(root) && r.equals(root);
}

/** RFC 9162 §2.1.4.2, with the trivial cases (size1 = 0, size1 = size2) decided up front. */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Hash[],
  root1: Hash,
  root2: Hash,
): boolean {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2)) || size1 < 0 || size2 < size1) {
    return false;
  }
  if (!proof.every(isHash)) return false;
  // The empty tree is a prefix of every tree; a tree is consistent with itself only.
  if (size1 === 0) return proof.length === 0;
  if (size1 === size2) return proof.length === 0 && isHash(root1) && root1.equals(root2);
  if (proof.length === 0 || !isHash(root1) || !isHash(root2)) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

/**
 * The right edge of a tree: the perfect subtrees covering [0, size), largest first
 * (one per set bit of size). Appending a leaf merges equal-sized neighbours like a
 * binary counter, so each append is O(log n) and reports the perfect nodes it
 * completed, for storage. The root folds the edge from the right.
 */
export class CompactRange {
  constructor(
    public size = 0,
    readonly hashes: Hash[] = [],
  ) {
    let bits = 0;
    for (let s = size; s > 0; s = Math.floor(s / 2)) bits += s % 2;
    if (bits !== hashes.length) throw new Error(`a compact range of size ${size} has ${bits} hashes`);
  }

  /** Appends one leaf hash; returns the perfect nodes above level 0 it completed. */
  append(leaf: Hash): (NodeId & { hash: Hash })[] {
    const completed: (NodeId & { hash: Hash })[] = [];
    let hash = leaf;
    let index = this.size;
    let level = 0;
    // Each trailing one bit of the old size is a left sibling waiting for this subtree.
    for (let s = this.size; s % 2 === 1; s = Math.floor(s / 2)) {
      hash = nodeHash(this.hashes.pop()!, hash);
      level++;
      index = Math.floor(index / 2);
      completed.push({ level, index, hash });
    }
    this.hashes.push(hash);
    this.size++;
    return completed;
  }

  root(): Hash {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let acc = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i--) acc = nodeHash(this.hashes[i]!, acc);
    return acc;
  }

  clone(): CompactRange {
    return new CompactRange(this.size, [...this.hashes]);
  }
}
