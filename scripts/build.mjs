#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm ci` runs it): compiles src/ to dist/ with
 * tsconfig.build.json, copies the files src/ reads at run time (migrations, simulator data: every
 * file that is not TypeScript or Markdown) next to the compiled modules, and removes from dist/
 * what no longer has a source. Plain JavaScript: it runs before anything is compiled.
 * Nothing to do when dist/ is newer than its inputs (`--force` builds anyway).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

const walk = (dir) =>
  readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });

// up to date: dist/.tsbuildinfo is newer than every input (an unchanged tree skips even tsc's own
// incremental check, which reads every source and type definition: seconds on a busy machine)
const buildInfo = path.join(dist, '.tsbuildinfo');
const inputs = [...walk(src), ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build.mjs'].map((f) => path.join(root, f))];
const upToDate = existsSync(buildInfo) && inputs.every((f) => statSync(f).mtimeMs <= statSync(buildInfo).mtimeMs);

if (upToDate && !process.argv.includes('--force')) {
  process.stdout.write('build: dist/ is up to date\n');
  process.exit(0);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) {
  process.stderr.write('build: tsc failed\n');
  process.exit(compiled.status ?? 1);
}

let copied = 0;
for (const file of walk(src)) {
  if (file.endsWith('.ts') || file.endsWith('.md')) continue;
  const target = path.join(dist, path.relative(src, file));
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(file, target);
  copied++;
}

// a module or asset whose source was removed or renamed must not stay loadable from dist/
let removed = 0;
for (const file of walk(dist)) {
  const rel = path.relative(dist, file);
  if (rel === '.tsbuildinfo') continue;
  const source = path.join(src, rel.endsWith('.js') ? rel.slice(0, -3) + '.ts' : rel);
  if (!existsSync(source)) {
    rmSync(file);
    removed++;
  }
}

// tsc leaves .tsbuildinfo as it was when no output changed: date it now, for the check above
const now = new Date();
utimesSync(buildInfo, now, now);
process.stdout.write(`build: dist/ from src/ (${copied} asset${copied === 1 ? '' : 's'} copied${removed ? `, ${removed} stale file(s) removed` : ''})\n`);
