/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures, and the
 * tlog-checkpoint body (c2sp.org/tlog-checkpoint) the audit log signs.
 *
 * Key strings use the format of Go's golang.org/x/mod/sumdb/note, so the same keys
 * work with Go's tooling and the transparency-dev witnesses:
 *   signer    PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>
 *   verifier  <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>
 *   key id    first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)
 *
 * Signing and verifying are node:crypto's Ed25519; only the framing is here.
 */

import type { KeyObject } from 'node:crypto';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';

const ED25519 = 0x01;
// DER prefixes that wrap a raw 32-byte Ed25519 seed / public key as PKCS#8 / SPKI.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export class NoteError extends Error {
  override name = 'NoteError';
}

function checkName(name: string): string {
  if (!name || /[\s+]/u.test(name))
    throw new NoteError(`key name "${name}" must be non-empty, without spaces or "+"`);
  return name;
}

export function keyId(name: string, publicKey: Buffer): number {
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.of(ED25519))
    .update(publicKey)
    .digest()
    .readUInt32BE(0);
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

export interface NoteVerifier {
  name: string;
  keyId: number;
  publicKey: Buffer;
  /** The verifier key string (name+id+key). */
  text: string;
  verify(message: Buffer, signature: Buffer): boolean;
}

export interface NoteSigner {
  name: string;
  keyId: number;
  verifier: NoteVerifier;
  sign(message: Buffer): Buffer;
}

function verifierFrom(name: string, publicKey: Buffer): NoteVerifier {
  const id = keyId(name, publicKey);
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return {
    name,
    keyId: id,
    publicKey,
    text: `${name}+${hex8(id)}+${Buffer.concat([Buffer.of(ED25519), publicKey]).toString('base64')}`,
    verify: (message, signature) => signature.length === 64 && verify(null, message, key, signature),
  };
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

/** Splits at the first n - 1 "+": standard base64 may itself contain "+". */
function splitKey(text: string, n: number): string[] | undefined {
  const parts = text.trim().split('+');
  if (parts.length < n) return;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join('+')];
}

/** Parses "<name>+<hex id>+<base64 key>"; the id must match the key. */
export function parseVerifierKey(text: string): NoteVerifier {
  const parts = splitKey(text, 3);
  if (!parts) throw new NoteError('a verifier key is <name>+<key id>+<base64 key>');
  const [name, idHex, b64] = parts as [string, string, string];
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 33 || raw[0] !== ED25519 || raw.toString('base64') !== b64) {
    throw new NoteError('only Ed25519 verifier keys (base64 of 0x01 || 32 bytes) are supported');
  }
  const v = verifierFrom(checkName(name), raw.subarray(1));
  if (!/^[0-9a-f]{8}$/.test(idHex) || Number.parseInt(idHex, 16) !== v.keyId) {
    throw new NoteError(`verifier key ${name}: key id ${idHex} does not match the key`);
  }
  return v;
}

/** Parses "PRIVATE+KEY+<name>+<hex id>+<base64 seed>". */
export function parseSignerKey(text: string): NoteSigner {
  const parts = splitKey(text, 5);
  if (parts?.[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new NoteError('a signing key is PRIVATE+KEY+<name>+<key id>+<base64 key>');
  }
  const [, , name, idHex, b64] = parts as [string, string, string, string, string];
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 33 || raw[0] !== ED25519 || raw.toString('base64') !== b64) {
    throw new NoteError('only Ed25519 signing keys (base64 of 0x01 || 32 bytes) are supported');
  }
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, raw.subarray(1)]),
    format: 'der',
    type: 'pkcs8',
  });
  const verifier = verifierFrom(checkName(name), rawPublicKey(createPublicKey(key)));
  if (Number.parseInt(idHex, 16) !== verifier.keyId) {
    throw new NoteError(`signing key ${name}: key id ${idHex} does not match the key`);
  }
  return { name, keyId: verifier.keyId, verifier, sign: (message) => sign(null, message, key) };
}

/** A new Ed25519 signing key for `name`, as a signer key string. */
export function generateSignerKey(name: string): string {
  checkName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const id = keyId(name, rawPublicKey(publicKey));
  return `PRIVATE+KEY+${name}+${hex8(id)}+${Buffer.concat([Buffer.of(ED25519), seed]).toString('base64')}`;
}

/** The signed note: text, a blank line, one signature line per signer. */
export function signNote(text: string, signers: NoteSigner[]): string {
  if (!text.endsWith('\n')) throw new NoteError('note text must end in a newline');
  const lines = signers.map((s) => {
    const sig = Buffer.alloc(4);
    sig.writeUInt32BE(s.keyId);
    return `— ${s.name} ${Buffer.concat([sig, s.sign(Buffer.from(text))]).toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

export interface OpenedNote {
  text: string;
  /** Names of the known keys whose signatures verified. */
  verifiedBy: string[];
}

const MAX_NOTE_BYTES = 16 * 1024;
const MAX_SIGNATURES = 64;

/**
 * Splits a signed note and checks its signatures: unknown keys are ignored, a known
 * key whose signature fails rejects the note, and at least one known key must sign.
 */
export function openNote(note: string, verifiers: NoteVerifier[]): OpenedNote {
  if (Buffer.byteLength(note) > MAX_NOTE_BYTES) throw new NoteError('note is too large');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the note format forbids these characters.
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw new NoteError('note contains control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('malformed note: no signature block');
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2, -1).split('\n');
  if (sigLines.length > MAX_SIGNATURES) throw new NoteError('too many signatures');
  const verifiedBy: string[] = [];
  for (const line of sigLines) {
    const m = /^— (\S+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
    if (!m) throw new NoteError(`malformed signature line: ${line.slice(0, 80)}`);
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < 5) throw new NoteError('malformed signature');
    const id = raw.readUInt32BE(0);
    const key = verifiers.find((v) => v.name === m[1] && v.keyId === id);
    if (!key) continue;
    if (!key.verify(Buffer.from(text), raw.subarray(4))) {
      throw new NoteError(`signature by ${key.name} (${hex8(id)}) does not verify`);
    }
    verifiedBy.push(key.name);
  }
  if (verifiedBy.length === 0) throw new NoteError('note is not signed by any trusted key');
  return { text, verifiedBy };
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export function checkpointText(c: Checkpoint): string {
  if (!c.origin || c.origin.includes('\n'))
    throw new NoteError('checkpoint origin must be one non-empty line');
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

/** The body of a checkpoint note (origin, size, root; extension lines are ignored). */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split('\n');
  const [origin, size, root] = lines;
  if (lines.length < 4 || !origin || !size || !root)
    throw new NoteError('a checkpoint has origin, size and root lines');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw new NoteError(`checkpoint tree size "${size}" is not a decimal integer`);
  }
  const hash = Buffer.from(root, 'base64');
  if (hash.length !== 32 || hash.toString('base64') !== root)
    throw new NoteError('checkpoint root is not a base64 SHA-256 hash');
  return { origin, size: Number(size), root: hash };
}

/** Verifies a signed checkpoint note and returns its body. */
export function openCheckpoint(note: string, verifiers: NoteVerifier[], origin?: string): Checkpoint {
  const c = parseCheckpointText(openNote(note, verifiers).text);
  if (origin !== undefined && c.origin !== origin) {
    throw new NoteError(`checkpoint is for log "${c.origin}", not "${origin}"`);
  }
  return c;
}
