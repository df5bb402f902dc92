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
});
