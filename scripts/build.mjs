#!/usr/bin/env node
/**
 * `npm run build` (and `prepare`, so `npm ci` runs it): compiles src/ to dist/ with
 * tsconfig.build.json, copies the files src/ reads at run time (migrations, simulator data: every
 * file that is not TypeScript or Markdown) next to the compiled modules, and removes from dist/
 * what no longer has a source. Plain JavaScript: it runs before anything is compiled.
 * Then bundles the dashboard (web/) with Vite into dist/web/, which the API serves at /.
 * Nothing to do when dist/ is newer than its inputs (`--force` builds anyway); each part is
 * checked on its own, so a change to the dashboard does not recompile the server, nor the reverse.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

const force = process.argv.includes('--force');
if (upToDate && !force) {
  process.stdout.write('build: dist/ is up to date\n');
} else {
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
    if (rel === '.tsbuildinfo' || rel.startsWith(`web${path.sep}`)) continue; // dist/web/: the dashboard, below
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
}

// ---- the dashboard: web/ bundled by Vite into dist/web/ -------------------------------------------
// Its own stamp, dist/web/.built, newer than every input; the domain rules it imports from src/domain/
// count too. dist/web/ has no source in src/: the pruning above leaves it alone.
const web = path.join(root, 'web');
const webStamp = path.join(dist, 'web', '.built');
const webInputs = [...walk(web), ...walk(path.join(src, 'domain')), ...['package-lock.json', 'scripts/build.mjs'].map((f) => path.join(root, f))];
const webUpToDate = existsSync(webStamp) && webInputs.every((f) => statSync(f).mtimeMs <= statSync(webStamp).mtimeMs);
if (webUpToDate && !force) {
  process.stdout.write('build: dist/web/ is up to date\n');
} else {
  const started = performance.now();
  const { build } = await import('vite');
  await build({ configFile: path.join(web, 'vite.config.ts') });
  writeFileSync(webStamp, '');
  const assets = readdirSync(path.join(dist, 'web', 'assets'));
  const bytes = assets.reduce((n, f) => n + statSync(path.join(dist, 'web', 'assets', f)).size, 0);
  process.stdout.write(`build: dist/web/ from web/ (${assets.length} assets, ${(bytes / 1024).toFixed(1)} KiB, ${Math.round(performance.now() - started)} ms)\n`);
}
