import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextNestsDeeperThan } from '../../api/json-depth.js';

describe('the JSON body depth ceiling', () => {
  it('counts arrays and objects opened inside one another', () => {
    expect(jsonTextNestsDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(jsonTextNestsDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(jsonTextNestsDeeperThan('[[],[],[],[]]', 2)).toBe(false);
    expect(jsonTextNestsDeeperThan('"just a string"', 0)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonTextNestsDeeperThan('{"k":"[[[[{{{{"}', 1)).toBe(false);
    expect(jsonTextNestsDeeperThan('{"k":"a\\"[[[[\\\\","l":["x"]}', 2)).toBe(false);
    // An escaped backslash does not escape the quote after it: the string ends there.
    expect(jsonTextNestsDeeperThan('{"k":"a\\\\","l":[[]]}', 2)).toBe(true);
  });

  it('answers at once for a megabyte of nested brackets', () => {
    const text = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    expect(jsonTextNestsDeeperThan(text, 64)).toBe(true);
    expect(jsonTextNestsDeeperThan(text, 500_000)).toBe(false);
  });

  it('answers as a scan of every character would, on any mix of quotes, backslashes and brackets', () => {
    // The definition the jump over string content must agree with: inside a string a
    // backslash escapes the next character and an unescaped quote ends it.
    const reference = (text: string, limit: number) => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '[' || c === '{') {
          if (++depth > limit) return true;
        } else if (c === ']' || c === '}') depth--;
      }
      return false;
    };
    const text = fc
      .array(fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', ',', ':'), { maxLength: 60 })
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 6 }), (t, limit) => {
        expect(jsonTextNestsDeeperThan(t, limit)).toBe(reference(t, limit));
      }),
      { numRuns: 5000 },
    );
  });
});
