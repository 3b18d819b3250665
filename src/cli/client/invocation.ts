import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** The project's root: this file is src/cli/client/ or, compiled, dist/cli/client/. */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../../..');

const realpath = (p: string): string | null => {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
};

const inside = (dir: string, parent: string) => dir === parent || dir.startsWith(parent + path.sep);

/**
 * How the user runs this CLI from where they stand, for the commands hints print: `provisioner`
 * when that name on their PATH is this program (a global install or npm link); `npx provisioner`
 * inside the project or a project that depends on it (npx finds the project's own bin, and
 * `npm ci` does not put it on the PATH); else `node /path/to/bin/provisioner.js`.
 * PROVISIONER_CLI overrides it (a wrapper script, an alias).
 */
export function cliInvocation(opts: { env?: NodeJS.ProcessEnv; cwd?: string; root?: string } = {}): string {
  const env = opts.env ?? process.env;
  if (env.PROVISIONER_CLI?.trim()) return env.PROVISIONER_CLI.trim();
  const root = opts.root ?? PROJECT_ROOT;
  const bin = path.join(root, 'bin', 'provisioner.js');
  const binReal = realpath(bin);
  // npm puts node_modules/.bin on the PATH of what it runs (npx, npm run): not the user's shell's
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d && !d.endsWith(path.join('node_modules', '.bin')));
  if (binReal && dirs.some((d) => realpath(path.join(d, 'provisioner')) === binReal)) return 'provisioner';
  const cwd = realpath(opts.cwd ?? process.cwd()) ?? opts.cwd ?? process.cwd();
  const rootReal = realpath(root) ?? root;
  const dependent = path.basename(path.dirname(rootReal)) === 'node_modules' ? path.dirname(path.dirname(rootReal)) : null;
  if (inside(cwd, rootReal) || (dependent && inside(cwd, dependent) && existsSync(path.join(dependent, 'node_modules', '.bin', 'provisioner')))) return 'npx provisioner';
  return `node ${binReal ?? bin}`;
}

let cached: string | null = null;

/** `provisioner <args>` as the user can type it here (see cliInvocation). */
export function cliCommand(args: string): string {
  cached ??= cliInvocation();
  return `${cached} ${args}`;
}
