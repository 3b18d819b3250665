/**
 * Company abbreviation candidates (common issue 1). ERPNext names every warehouse, account and
 * cost centre "<name> - ABBR" and refuses a second company with the same abbr (case-insensitive),
 * so the abbr must be unique on the site. Candidates are deterministic: the same name always
 * yields the same list, so a retried step tries the same ones in the same order.
 */
export const MAX_ABBR_LENGTH = 10;

function words(companyName: string): string[] {
  return companyName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
}

export function abbreviationCandidates(companyName: string, count = 40): string[] {
  const w = words(companyName);
  if (w.length === 0) w.push('CO');
  const joined = w.join('');
  const initials = w.map((x) => x[0]).join('');
  const base: string[] = [];
  const add = (s: string) => {
    const c = s.slice(0, MAX_ABBR_LENGTH);
    if (c.length >= 2 && !base.includes(c)) base.push(c);
  };
  add(initials);
  // numbers tell apart names that are otherwise the same ("Duka 0017", "Duka 0018"): the initials
  // of the other words with the numbers whole, before anything that cuts them short
  const numbers = w.filter((x) => /^\d+$/.test(x));
  if (numbers.length > 0) add(w.filter((x) => !/^\d+$/.test(x)).map((x) => x[0]).join('') + numbers.join(''));
  // initials plus more letters of the last word, then the first letters of the whole name
  const last = w[w.length - 1]!;
  for (let n = 2; n <= Math.min(last.length, 4); n++) add(w.slice(0, -1).map((x) => x[0]).join('') + last.slice(0, n));
  add(joined.slice(0, 3));
  add(joined.slice(0, 4));
  add(joined.slice(0, 6));
  if (base.length === 0) add(`${joined}X`);

  const out = [...base];
  // then numbered variants of the initials: ABC2, ABC3, ... kept within the length limit
  const stem = base[0]!;
  for (let i = 2; out.length < count; i++) {
    const suffix = String(i);
    const candidate = stem.slice(0, MAX_ABBR_LENGTH - suffix.length) + suffix;
    if (!out.includes(candidate)) out.push(candidate);
  }
  return out.slice(0, count);
}

/** The first candidate not already used on the site (case-insensitive, as MariaDB compares). */
export function pickAbbreviation(companyName: string, taken: Iterable<string>, exclude: Iterable<string> = []): string | undefined {
  const used = new Set([...taken, ...exclude].map((a) => a.toUpperCase()));
  return abbreviationCandidates(companyName).find((c) => !used.has(c));
}
