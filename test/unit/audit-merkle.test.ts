/**
 * The audit log's Merkle tree against RFC 6962's reference test vectors: the eight
 * leaves, roots, inclusion and consistency proofs used by Certificate Transparency's
 * reference implementation, as published in transparency-dev/merkle
 * (proof/verify_test.go: `leaves`, `roots`, `inclusionProofs`, `consistencyProofs`),
 * and the same corruptions that suite applies to each good proof.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  consistencyRanges,
  EMPTY_ROOT,
  type Hash,
  inclusionRanges,
  leafHash,
  type NodeId,
  nodeHash,
  nodeKey,
  rangeHash,
  rootFromInclusion,
  verifyConsistency,
  verifyInclusion,
} from '../../lib/audit/merkle.js';

const h = (hex: string) => Buffer.from(hex, 'hex');

const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(h);

/** roots[i] is the root of the tree of the first i + 1 leaves. */
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(h);

/** [leaf index (0-based), tree size, proof] */
const INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

const SOME_HASH = h('abacaba000000000000000000000000000000000000000000060061e00123456');

/** A node store built the way the sequencer builds one: leaves plus what appends complete. */
function buildStore(leaves: Hash[]) {
  const nodes = new Map<string, Hash>();
  const range = new CompactRange();
  const roots: Hash[] = [];
  leaves.forEach((l, i) => {
    nodes.set(nodeKey({ level: 0, index: i }), l);
    for (const n of range.append(l)) nodes.set(nodeKey(n), n.hash);
    roots.push(range.root());
  });
  const get = (n: NodeId) => {
    const v = nodes.get(nodeKey(n));
    if (!v) throw new Error(`node ${nodeKey(n)} is not stored`);
    return v;
  };
  return { get, roots, range };
}

const proofOf = (ranges: [number, number][], get: (n: NodeId) => Hash) =>
  ranges.map(([a, b]) => rangeHash(a, b, get));

/** Naive MTH straight from the RFC's definition. */
function mth(leaves: Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

describe('audit log Merkle tree (RFC 6962 / RFC 9162 §2.1)', () => {
  const leafHashes = LEAVES.map(leafHash);
  const store = buildStore(leafHashes);

  it('the empty tree hashes to SHA-256 of nothing', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(new CompactRange().root()).toEqual(EMPTY_ROOT);
  });

  it('the root after each append is the reference root for that size', () => {
    expect(store.roots.map((r) => r.toString('hex'))).toEqual(ROOTS.map((r) => r.toString('hex')));
    for (let n = 1; n <= 8; n++) expect(rangeHash(0, n, store.get)).toEqual(ROOTS[n - 1]);
  });

  it.each(INCLUSION)(
    'inclusion proof of leaf %i in a tree of %i is the reference proof',
    (index, size, want) => {
      const proof = proofOf(inclusionRanges(index, size), store.get);
      expect(proof.map((p) => p.toString('hex'))).toEqual(want);
      expect(verifyInclusion(index, size, leafHashes[index]!, proof, ROOTS[size - 1]!)).toBe(true);
    },
  );

  it.each(INCLUSION)('a corrupted inclusion proof of leaf %i in %i is refused', (index, size, want) => {
    const proof = want.map(h);
    const root = ROOTS[size - 1]!;
    const leaf = leafHashes[index]!;
    const probes: [string, number, number, Hash, Hash[], Hash][] = [
      ['index - 1', index - 1, size, leaf, proof, root],
      ['index + 1', index + 1, size, leaf, proof, root],
      ['index ^ 2', index ^ 2, size, leaf, proof, root],
      ['size * 2', index, size * 2, leaf, proof, root],
      ['size / 2', index, Math.floor(size / 2), leaf, proof, root],
      ['wrong leaf', index, size, leafHash(Buffer.from('WrongLeaf')), proof, root],
      ['empty root', index, size, leaf, proof, EMPTY_ROOT],
      ['random root', index, size, leaf, proof, SOME_HASH],
      ['trailing garbage', index, size, leaf, [...proof, Buffer.alloc(0)], root],
      ['trailing root', index, size, leaf, [...proof, root], root],
      ['preceding garbage', index, size, leaf, [Buffer.alloc(0), ...proof], root],
      ['preceding root', index, size, leaf, [root, ...proof], root],
      ['removed component', index, size, leaf, proof.slice(0, -1), root],
      ...proof.map((_, i): [string, number, number, Hash, Hash[], Hash] => {
        const bad = proof.map((p) => Buffer.from(p));
        bad[i]![0]! ^= 8;
        return [`modified proof[${i}]`, index, size, leaf, bad, root];
      }),
    ];
    if (proof.length > 1)
      probes.push(['inserted component', index, size, leaf, [proof[0]!, SOME_HASH, ...proof.slice(1)], root]);
    const accepted = probes.filter(([, i, s, l, p, r]) => verifyInclusion(i, s, l, p, r)).map(([d]) => d);
    expect(accepted).toEqual([]);
  });

  it.each(CONSISTENCY)('consistency proof from %i to %i is the reference proof', (m, n, want) => {
    const proof = proofOf(consistencyRanges(m, n), store.get);
    expect(proof.map((p) => p.toString('hex'))).toEqual(want);
    expect(verifyConsistency(m, n, proof, ROOTS[m - 1]!, ROOTS[n - 1]!)).toBe(true);
  });

  it.each(CONSISTENCY.filter(([, , p]) => p.length > 0))(
    'a corrupted consistency proof from %i to %i is refused',
    (m, n, want) => {
      const proof = want.map(h);
      const [r1, r2] = [ROOTS[m - 1]!, ROOTS[n - 1]!];
      const wrong = Buffer.from('WrongRoot');
      const probes: [string, number, number, Hash[], Hash, Hash][] = [
        ['size1 - 1', m - 1, n, proof, r1, r2],
        ['size1 + 1', m + 1, n, proof, r1, r2],
        ['size1 ^ 2', m ^ 2, n, proof, r1, r2],
        ['size2 * 2', m, n * 2, proof, r1, r2],
        ['size2 / 2', m, Math.floor(n / 2), proof, r1, r2],
        ['wrong root1', m, n, proof, wrong, r2],
        ['wrong root2', m, n, proof, r1, wrong],
        ['swapped roots', m, n, proof, r2, r1],
        ['empty proof', m, n, [], r1, r2],
        ['trailing garbage', m, n, [...proof, Buffer.alloc(0)], r1, r2],
        ['trailing root1', m, n, [...proof, r1], r1, r2],
        ['trailing root2', m, n, [...proof, r2], r1, r2],
        ['preceding garbage', m, n, [Buffer.alloc(0), ...proof], r1, r2],
        ['preceding root1', m, n, [r1, ...proof], r1, r2],
        ['preceding root2', m, n, [r2, ...proof], r1, r2],
        ['preceding proof[0]', m, n, [proof[0]!, ...proof], r1, r2],
        ['truncated proof', m, n, proof.slice(0, -1), r1, r2],
        ...proof.map((_, i): [string, number, number, Hash[], Hash, Hash] => {
          const bad = proof.map((p) => Buffer.from(p));
          bad[i]![0]! ^= 16;
          return [`modified proof[${i}]`, m, n, bad, r1, r2];
        }),
      ];
      const accepted = probes.filter(([, a, b, p, x, y]) => verifyConsistency(a, b, p, x, y)).map(([d]) => d);
      expect(accepted).toEqual([]);
    },
  );

  it('the trivial consistency cases follow RFC 9162', () => {
    const [a, b] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    expect(verifyConsistency(0, 0, [], a, a)).toBe(true);
    expect(verifyConsistency(0, 1, [], a, b)).toBe(true);
    expect(verifyConsistency(1, 1, [], b, b)).toBe(true);
    expect(verifyConsistency(1, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 2, [], a, b)).toBe(false);
    expect(verifyConsistency(0, 1, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(0, 0, SOME_HASH, [], EMPTY_ROOT)).toBe(false);
    expect(rootFromInclusion(0, 1, leafHashes[0]!, [])).toEqual(leafHashes[0]);
  });

  it('for any tree up to 300 leaves, stored-node roots and proofs match the naive definition and verify', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
        const s = buildStore(leaves);
        const size1 = (a % n) + 1;
        const index = b % n;
        expect(s.range.root()).toEqual(mth(leaves));
        expect(rangeHash(0, size1, s.get)).toEqual(mth(leaves.slice(0, size1)));
        const inc = proofOf(inclusionRanges(index, n), s.get);
        expect(verifyInclusion(index, n, leaves[index]!, inc, mth(leaves))).toBe(true);
        const cons = proofOf(consistencyRanges(size1, n), s.get);
        expect(verifyConsistency(size1, n, cons, mth(leaves.slice(0, size1)), mth(leaves))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
