/**
 * Signed notes and checkpoints against the reference vector of Go's
 * golang.org/x/mod/sumdb/note (its package documentation and note_test.go: the
 * PeterNeumann key pair and its published signature). Ed25519 is deterministic, so
 * signing the same text with the same key must reproduce that note byte for byte.
 */
import { describe, expect, it } from 'vitest';
import {
  checkpointText,
  generateSignerKey,
  openCheckpoint,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../lib/audit/note.js';

const SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const TEXT =
  'If you think cryptography is the answer to your problem,\n' +
  "then you don't know what your problem is.\n";
const NOTE = `${TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes (c2sp.org/signed-note)', () => {
  it("signs Go's reference note byte for byte, and derives its verifier key", () => {
    const signer = parseSignerKey(SKEY);
    expect(signer.verifier.text).toBe(VKEY);
    expect(signNote(TEXT, [signer])).toBe(NOTE);
  });

  it("opens Go's reference note with its verifier key and refuses an altered text", () => {
    const v = parseVerifierKey(VKEY);
    expect(openNote(NOTE, [v])).toEqual({ text: TEXT, verifiedBy: ['PeterNeumann'] });
    expect(() => openNote(NOTE.replace('cryptography', 'cryptographY'), [v])).toThrow(/does not verify/);
  });

  it('ignores unknown keys but needs one trusted signature; rotation accepts any listed key', () => {
    const oldKey = parseSignerKey(generateSignerKey('example.com/log'));
    const newKey = parseSignerKey(generateSignerKey('example.com/log'));
    const note = signNote(TEXT, [newKey]);
    expect(() => openNote(note, [oldKey.verifier])).toThrow(/not signed by any trusted key/);
    expect(openNote(note, [oldKey.verifier, newKey.verifier]).verifiedBy).toEqual(['example.com/log']);
    // Same name, same id but another key: a forged signature line fails, not skipped.
    const forged = note.replace(/ (\S+)\n$/, (_, b64: string) => {
      const raw = Buffer.from(b64, 'base64');
      raw[10]! ^= 1;
      return ` ${raw.toString('base64')}\n`;
    });
    expect(() => openNote(forged, [newKey.verifier])).toThrow(/does not verify/);
  });

  it('refuses malformed keys and notes', () => {
    expect(() =>
      parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/does not match/);
    expect(() => parseVerifierKey('nope')).toThrow();
    expect(() => parseSignerKey(VKEY)).toThrow();
    expect(() => generateSignerKey('has space')).toThrow();
    expect(() => openNote(TEXT, [parseVerifierKey(VKEY)])).toThrow(/no signature block/);
    expect(() => openNote(`${TEXT}\n— PeterNeumann !!!\n`, [parseVerifierKey(VKEY)])).toThrow(/malformed/);
    expect(() => openNote(`a\u0007\n\n— x AAAA\n`, [])).toThrow(/control/);
  });
});

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  const signer = parseSignerKey(generateSignerKey('kubernaut.local/audit'));
  const root = Buffer.alloc(32, 7);

  it('are origin, size and base64 root, signed; opening checks signature and origin', () => {
    const text = checkpointText({ origin: 'kubernaut.local/audit/x1', size: 42, root });
    expect(text).toBe(`kubernaut.local/audit/x1\n42\n${root.toString('base64')}\n`);
    const note = signNote(text, [signer]);
    expect(note).toMatch(/^kubernaut.local\/audit\/x1\n42\n\S+\n\n— kubernaut.local\/audit \S+\n$/);
    expect(openCheckpoint(note, [signer.verifier])).toEqual({
      origin: 'kubernaut.local/audit/x1',
      size: 42,
      root,
    });
    expect(() => openCheckpoint(note, [signer.verifier], 'other')).toThrow(/not "other"/);
  });

  it('refuse a bad size or root line', () => {
    for (const text of ['o\n042\nAAAA\n', 'o\n-1\nAAAA\n', `o\n1\n${'A'.repeat(42)}==\n`, 'o\n1\n']) {
      expect(() => openCheckpoint(signNote(text, [signer]), [signer.verifier])).toThrow();
    }
  });
});
