/**
 * CLI start-up benchmark (issue 10, item 3): how long `provisioner --version` takes compared with
 * a Node.js that does nothing. In one run, interleaved round by round so that a busy machine
 * slows every command alike, it times N runs each of
 *
 *   node -e 0                                   the floor: Node.js itself
 *   node bin/provisioner.js --version           the command, compiled (dist/)
 *   provisioner --version                       the command installed on the PATH (`npm install -g`, into a
 *                                               scratch prefix the benchmark makes and removes)
 *   npx provisioner --version                   the same through npx (npm's own start-up included)
 *   npx -c true                                 npm exec running the shell's `true`: the floor of any npx command
 *   node --import tsx src/cli/main.ts --version the sources compiled at start (how the bin used to run)
 *
 * prints the medians with their ratio to `node -e 0`, and writes them into docs/benchmarks.md
 * (between its cli-start markers, the rest of the file kept). Exits 1 when the bin's ratio is
 * above the target (3x).
 *
 *   npm run bench:cli-start -- [--runs 15] [--no-source] [--no-write]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { root, writeBenchmarkSection } from './support.ts';
const TARGET_RATIO = 3;
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    'no-source': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  process.stdout.write('usage: npm run bench:cli-start -- [--runs 15] [--no-source] [--no-write]\n');
  process.exit(0);
}
const runs = Number(opt.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
  process.stderr.write('--runs must be an integer from 1 to 1000\n');
  process.exit(2);
}
if (!existsSync(path.join(root, 'dist/cli/main.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}

const VERSION: string = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Subject {
  label: string;
  file: string;
  args: string[];
  /** What stdout must be (the run is not counted otherwise). */
  stdout: string;
}
// `npm install -g` of this folder into a scratch prefix: what an operator who installed the CLI runs
const prefix = mkdtempSync(path.join(os.tmpdir(), 'provisioner-bench-'));
process.on('exit', () => rmSync(prefix, { recursive: true, force: true }));
execFileSync(npm, ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', root], { stdio: 'ignore' });
const installed = path.join(prefix, process.platform === 'win32' ? 'provisioner.cmd' : 'bin/provisioner');

const subjects: Subject[] = [
  { label: 'node -e 0', file: process.execPath, args: ['-e', '0'], stdout: '' },
  { label: 'node bin/provisioner.js --version', file: process.execPath, args: ['bin/provisioner.js', '--version'], stdout: `${VERSION}\n` },
  { label: 'provisioner --version', file: installed, args: ['--version'], stdout: `${VERSION}\n` },
  { label: 'npx provisioner --version', file: npx, args: ['provisioner', '--version'], stdout: `${VERSION}\n` },
  // npm's own floor: what any `npx <bin>` pays before the bin starts
  { label: 'npx -c true', file: npx, args: ['-c', 'true'], stdout: '' },
];
if (!opt['no-source']) {
  subjects.push({ label: 'node --import tsx src/cli/main.ts --version', file: process.execPath, args: ['--import', 'tsx', 'src/cli/main.ts', '--version'], stdout: `${VERSION}\n` });
}

// the PATH npm scripts get: this Node.js first, so npx and the bin run on the Node being measured
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, NO_COLOR: '1' };

function timeOnce(s: Subject): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(s.file, s.args, { cwd: root, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0 || r.stdout !== s.stdout) {
    throw new Error(`${s.label}: exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
  }
  return ms;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
const started = Date.now();
// one warm-up run each (file system cache, npx's own cache), not counted
for (const s of subjects) timeOnce(s);
const times = new Map<Subject, number[]>(subjects.map((s) => [s, []]));
for (let round = 0; round < runs; round++) {
  // a different first command each round: none always runs right after a given other
  for (let k = 0; k < subjects.length; k++) {
    const s = subjects[(round + k) % subjects.length]!;
    times.get(s)!.push(timeOnce(s));
  }
  if (process.stderr.isTTY) process.stderr.write(`\rround ${round + 1}/${runs}`);
}
if (process.stderr.isTTY) process.stderr.write('\n');

const floor = median(times.get(subjects[0]!)!);
const rows = subjects.map((s) => {
  const t = times.get(s)!;
  return { label: s.label, median: median(t), min: Math.min(...t), max: Math.max(...t), ratio: median(t) / floor };
});
const binRatio = rows[1]!.ratio;
const installedRatio = rows[2]!.ratio;
const met = binRatio <= TARGET_RATIO && installedRatio <= TARGET_RATIO;
const npxOverFloor = rows[3]!.median - rows[4]!.median;

let npmVersion = '?';
try {
  npmVersion = execFileSync(npx, ['--version'], { env, encoding: 'utf8' }).trim();
} catch {
  // npx without npm: left as ?
}
const machine = {
  date: new Date().toISOString().slice(0, 10),
  nproc: os.availableParallelism(),
  cpu: os.cpus()[0]?.model.trim() ?? '?',
  node: process.version,
  npm: npmVersion,
  loadBefore,
  loadAfter: load(),
  seconds: ((Date.now() - started) / 1000).toFixed(0),
};

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));
const width = Math.max(...rows.map((r) => r.label.length));
const table = [
  `${pad('command', width)}  median ms     min ms     max ms  × node -e 0`,
  ...rows.map((r) =>
    `${pad(r.label, width)}  ${r.median.toFixed(0).padStart(9)}  ${r.min.toFixed(0).padStart(9)}  ${r.max.toFixed(0).padStart(9)}  ${r.ratio.toFixed(2).padStart(11)}`,
  ),
].join('\n');
const verdict =
  `bin/provisioner.js: ${binRatio.toFixed(2)}×, installed provisioner: ${installedRatio.toFixed(2)}× node -e 0 (target ≤ ${TARGET_RATIO}×): ${met ? 'met' : 'NOT met'}; ` +
  `npx provisioner costs ${npxOverFloor.toFixed(0)} ms more than npx -c true`;
process.stdout.write(
  `cli-start: ${runs} runs each, interleaved; ${machine.nproc} CPUs, Node ${machine.node}, npm ${machine.npm}, load ${machine.loadBefore} → ${machine.loadAfter}\n\n${table}\n\n${verdict}\n`,
);

if (!opt['no-write']) {
  writeBenchmarkSection('cli-start', [
    '## CLI start-up',
    '',
    `\`npm run bench:cli-start -- --runs ${runs}\` on ${machine.date}: ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node},`,
    `npm ${machine.npm}, load average ${machine.loadBefore} at the start and ${machine.loadAfter} at the end (${machine.seconds} s).`,
    `Medians of ${runs} runs each, interleaved round by round; wall-clock time from spawn to exit.`,
    '',
    '| command | median ms | min ms | max ms | × `node -e 0` |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| \`${r.label}\` | ${r.median.toFixed(0)} | ${r.min.toFixed(0)} | ${r.max.toFixed(0)} | ${r.ratio.toFixed(2)} |`),
    '',
    `${verdict}. \`npx\` adds npm's own start-up (it loads npm and resolves the package before running`,
    'the same bin): `npx -c true`, npm exec running no package at all, is that floor, and no package can go under it,',
    `so \`npx provisioner --version\` cannot meet 3× \`node -e 0\` (the floor alone is ${rows[4]!.ratio.toFixed(2)}×). \`provisioner --version\` is the installed command (\`npm install -g .\``,
    'or `npm link`, a symlink to bin/provisioner.js on the PATH) is measured as an operator runs it.',
    '`node --import tsx src/cli/main.ts` is how the bin ran before `dist/` (TypeScript compiled at every start).',
  ]);
}
process.exit(met ? 0 : 1);
