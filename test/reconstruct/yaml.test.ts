/**
 * The reconstruction's YAML (the `yaml` library, written for YAML 1.1 readers such
 * as kubectl's): any JSON-like value reads back as itself, and strings that a YAML
 * 1.1 reader would take for booleans, nulls or numbers are quoted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYamlDocument } from '../../lib/reconstruct/yaml.js';

// Read back as kubectl does: a YAML 1.1 reader.
const readBack = (v: unknown) => parse(toYamlDocument(v), { version: '1.1' });

describe('reconstruction YAML', () => {
  it('every JSON value reads back as itself', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        expect(JSON.stringify(readBack(v))).toBe(JSON.stringify(v));
      }),
      { numRuns: 500 },
    );
  });

  it('every string, whatever its characters, reads back as itself as a value, and every label-like key as a key', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        'yes',
        'No',
        'ON',
        'y',
        'null',
        'Null',
        '~',
        '0.90',
        '1e3',
        '0x1F',
        '0o17',
        '1_000',
        '1:20',
      ),
      fc.constantFrom(
        '.inf',
        '-.NaN',
        '- a',
        '? a',
        'a: b',
        'a #b',
        'a:',
        ' a',
        'a ',
        '',
        "it's",
        '"q"',
        '@x',
      ),
      fc.constantFrom('\u0085', '\u007f', '\u2028', '\ufeff', '\t', 'a\nb', '\r\n', '\\', '%TAG', '&a', '*a'),
    );
    // Keys of an RR are its schema's field names or Kubernetes label and annotation
    // keys, which the API server restricts to [A-Za-z0-9._/-]; values may be anything.
    const key = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._/-]{0,20}[A-Za-z0-9])?$/),
      fc.constantFrom('yes', 'No', 'ON', 'y', 'n', 'null', '0.90', '1e3', '0x1F', '0o17', '1_000', '007'),
    );
    fc.assert(
      fc.property(text, key, (s, k) => {
        expect(readBack(s)).toBe(s);
        expect(readBack({ [k]: s, n: [s, { [k]: [s] }] })).toEqual({ [k]: s, n: [s, { [k]: [s] }] });
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes what a YAML 1.1 reader would not read as a string', () => {
    const y = toYamlDocument({ a: 'yes', b: 'off', c: 'Y', d: '0.90', e: '1:20', f: '007', g: 'true' });
    expect(y).toBe('a: "yes"\nb: "off"\nc: "Y"\nd: "0.90"\ne: "1:20"\nf: "007"\ng: "true"\n');
    expect(parse(y, { version: '1.1' })).toEqual({
      a: 'yes',
      b: 'off',
      c: 'Y',
      d: '0.90',
      e: '1:20',
      f: '007',
      g: 'true',
    });
  });
});
