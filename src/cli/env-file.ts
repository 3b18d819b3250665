/**
 * Settings from a `.env` file, read by bin/provisioner.js before anything else reads the
 * environment: the file PROVISIONER_ENV_FILE names, else ./.env when it exists. Node's own
 * loader (process.loadEnvFile) sets the variables; those already in the environment win.
 * Values are never printed: errors name the file, the line and the variable only.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ProvisionerError } from '../domain/errors.ts';

/** The env file is missing, unreadable or not NAME=value lines. A configuration error (exit 3). */
export class EnvFileError extends ProvisionerError {
  constructor(message: string, hint: string) {
    super('CONFIG_INVALID', message, hint, { httpStatus: 500 });
  }
}

export interface LoadedEnvFile {
  path: string;
  /** Variables the file set. */
  set: string[];
  /** Variables the file has that the environment already had: the environment's values were kept. */
  keptFromEnvironment: string[];
}

const SYNTAX_HINT = 'Each line is NAME=value (spaces, not tabs, around the name), a # comment or blank; quote a value that has # or spaces at its ends ("..." or \'...\'). See .env.example.';

let loaded: LoadedEnvFile | null = null;

/** What the start read, for the server's first log lines (null: no file). */
export const loadedEnvFile = (): LoadedEnvFile | null => loaded;

interface NameLine {
  name: string;
  line: number;
  /** A line of spaces or an indented comment just before, which Node 20's parser reads with this one. */
  suspect: number | null;
}

/** The names a file sets, line by line; a line that is not NAME=value is an EnvFileError with its number. */
function namesIn(text: string, file: string): NameLine[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const names: NameLine[] = [];
  let suspect: number | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) {
      if (line !== trimmed) suspect = i + 1;
      continue;
    }
    const m = /^ *(?:export +)?([A-Za-z_][A-Za-z0-9_]*) *=(.*)$/.exec(line);
    if (!m) throw new EnvFileError(`${file}, line ${i + 1}: not NAME=value (the line is not shown: it may hold a secret)`, SYNTAX_HINT);
    names.push({ name: m[1]!, line: i + 1, suspect });
    suspect = null;
    // a quoted value may go on over several lines, up to its closing quote (as Node reads it)
    const value = m[2]!.trimStart();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && value.indexOf(quote, 1) === -1) {
      const close = lines.findIndex((l, j) => j > i && l.includes(quote));
      if (close !== -1) i = close;
    }
  }
  return names;
}

/**
 * Loads the env file into process.env, once, at start. Answers what it read (null: no file).
 * Throws EnvFileError when PROVISIONER_ENV_FILE names a file that is not there, or the file
 * cannot be read or has a line that is not NAME=value.
 */
export function loadEnvFileAtStart(cwd: string = process.cwd()): LoadedEnvFile | null {
  const named = process.env.PROVISIONER_ENV_FILE;
  const file = named ? path.resolve(cwd, named) : path.join(cwd, '.env');
  if (!named && !existsSync(file)) return null;

  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(e)})`;
    throw new EnvFileError(`PROVISIONER_ENV_FILE names ${file}, which ${why}`, 'Point PROVISIONER_ENV_FILE at a readable file of NAME=value lines, or unset it to read ./.env when there is one.');
  }

  const names = namesIn(text, file);
  // Node's parser must read the same names: where it does not (a line it joins to the next,
  // a stray quote), its values would be wrong without a word
  const nodeNames = new Set(Object.keys(parseEnv(text)));
  const misread = names.find((n) => !nodeNames.has(n.name));
  if (misread?.suspect) {
    throw new EnvFileError(`${file}, line ${misread.suspect}: spaces on a blank line or before a #; this Node's loader then reads line ${misread.line} (${misread.name}) wrongly`, `Make line ${misread.suspect} empty, or start its # at the beginning of the line. ${SYNTAX_HINT}`);
  }
  if (misread || nodeNames.size !== new Set(names.map((n) => n.name)).size) {
    const where = misread ? `line ${misread.line} (${misread.name})` : 'a quoted value';
    throw new EnvFileError(`${file}: Node's loader does not read ${where} as written`, `Check the quotes on and before that line. ${SYNTAX_HINT}`);
  }

  const before = new Set(Object.keys(process.env));
  process.loadEnvFile(file);
  const unique = [...new Set(names.map((n) => n.name))];
  loaded = { path: file, set: unique.filter((n) => !before.has(n)), keptFromEnvironment: unique.filter((n) => before.has(n)) };
  return loaded;
}

/** bin/provisioner.js's call: load, or print the error and its hint and exit 3 (configuration). */
export function loadEnvFileOrExit(): void {
  try {
    loadEnvFileAtStart();
  } catch (e) {
    if (e instanceof ProvisionerError) process.stderr.write(`error [${e.code}]: ${e.message}\nhint: ${e.hint}\n`);
    else process.stderr.write(`error: the env file could not be loaded: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(3); // EXIT.config of shared.ts, not imported: it would load commander first
  }
}
