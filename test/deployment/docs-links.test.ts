/**
 * The documentation points only inside the repository: every relative link of the README and
 * docs/ (and the READMEs under src/) names a file that exists, and a heading that exists when it
 * has an anchor; no document sends the reader to a path on the machine it was written on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

function markdown(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((entry) => {
    const rel = path.join(dir, entry);
    if (statSync(path.join(root, rel)).isDirectory()) return markdown(rel);
    return entry.endsWith('.md') ? [rel] : [];
  });
}

const documents = ['README.md', ...markdown('docs'), ...markdown('src')];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

function anchors(file: string): Set<string> {
  const text = readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!.trim())));
}

test('every relative link in the README and docs/ names a file, and a heading, that exist in the repository', () => {
  const broken: string[] = [];
  for (const doc of documents) {
    const text = readFileSync(path.join(root, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^(https?:|mailto:)/.test(target)) continue;
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const resolved = file === '' ? doc : path.normalize(path.join(path.dirname(doc), file));
      if (resolved.startsWith('..') || !existsSync(path.join(root, resolved))) {
        broken.push(`${doc}: ${target} (no file ${resolved})`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${doc}: ${target} (no heading #${anchor} in ${resolved})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('no document names a path outside the repository', () => {
  const outside = documents.filter((doc) => /\/work\/|shared\/spec\//.test(readFileSync(path.join(root, doc), 'utf8')));
  assert.deepEqual(outside, []);
});
