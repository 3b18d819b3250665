import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { abbreviationCandidates, pickAbbreviation, MAX_ABBR_LENGTH } from '../../src/domain/abbreviation.ts';

test('the first candidate is the initials of the company name, upper case', () => {
  assert.equal(abbreviationCandidates('Acme Coffee Shop')[0], 'ACS');
  assert.equal(abbreviationCandidates('café olé')[0], 'CO');
});

test('candidates are unique, at most 10 characters, upper case and deterministic', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 80 }), (name) => {
      const a = abbreviationCandidates(name);
      assert.deepEqual(a, abbreviationCandidates(name));
      assert.equal(new Set(a).size, a.length);
      for (const c of a) {
        assert.ok(c.length >= 2 && c.length <= MAX_ABBR_LENGTH, c);
        assert.match(c, /^[A-Z0-9]+$/);
      }
    }),
  );
});

test('a taken abbreviation is skipped, case-insensitively', () => {
  assert.equal(pickAbbreviation('Acme Coffee Shop', ['acs']), abbreviationCandidates('Acme Coffee Shop')[1]);
});

test('similar names get different abbreviations once the first is taken', () => {
  const first = pickAbbreviation('Mama Mboga Shop', [])!;
  const second = pickAbbreviation('Mama Mboga Stores', [first])!;
  assert.notEqual(first.toUpperCase(), second.toUpperCase());
});

test('names that differ only by a number get abbreviations that keep the whole number', () => {
  assert.deepEqual(abbreviationCandidates('Scale Tenant 00017').slice(0, 2), ['ST0', 'ST00017']);
  // a hundred such names all find an abbreviation of their own, in order of creation
  const taken: string[] = [];
  for (let i = 1; i <= 100; i++) {
    const abbr = pickAbbreviation(`Scale Tenant ${String(i).padStart(5, '0')}`, taken);
    assert.ok(abbr, `tenant ${i} found an abbreviation`);
    taken.push(abbr);
  }
});
