import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ProvisionerError } from '../../domain/errors.ts';
import { cliCommand } from './invocation.ts';

/** A cached login for one API. The file holds a bearer token: mode 0600, in a 0700 folder. */
export interface CachedLogin {
  token: string;
  email: string;
  role: string;
  expires_at: string;
}

type CredentialsFile = Record<string, CachedLogin>;

export class CredentialsFileError extends ProvisionerError {
  constructor(file: string, detail: string) {
    super('CREDENTIALS_FILE_INVALID', `Cannot use the credentials file ${file}: ${detail}`, `Delete it (${cliCommand('logout --all')}) and log in again, or point PROVISIONER_CONFIG_DIR at another folder.`, { httpStatus: 500 });
  }
}

/** $PROVISIONER_CONFIG_DIR, else $XDG_CONFIG_HOME/provisioner, else ~/.config/provisioner. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROVISIONER_CONFIG_DIR) return path.resolve(env.PROVISIONER_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(homedir(), '.config');
  return path.join(base, 'provisioner');
}

export const credentialsFile = (env: NodeJS.ProcessEnv = process.env) => path.join(configDir(env), 'credentials.json');

async function readAll(file: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CredentialsFileError(file, (e as Error).message);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as CredentialsFile;
  } catch (e) {
    throw new CredentialsFileError(file, (e as Error).message);
  }
}

/** Written to a private temporary file first, then renamed: never readable by others, never half-written. */
async function writeAll(file: string, all: CredentialsFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600); // the umask may have narrowed it; it must be exactly 0600
  await rename(tmp, file);
}

export async function loadLogin(apiUrl: string, file = credentialsFile()): Promise<CachedLogin | null> {
  return (await readAll(file))[apiUrl] ?? null;
}

export async function saveLogin(apiUrl: string, login: CachedLogin, file = credentialsFile()): Promise<void> {
  const all = await readAll(file);
  all[apiUrl] = login;
  await writeAll(file, all);
}

/** Forgets the login for one API (or every API); answers whether there was one. */
export async function forgetLogin(apiUrl: string | null, file = credentialsFile()): Promise<boolean> {
  if (apiUrl === null) {
    const had = Object.keys(await readAll(file).catch(() => ({}))).length > 0;
    await rm(file, { force: true });
    return had;
  }
  const all = await readAll(file);
  if (!(apiUrl in all)) return false;
  delete all[apiUrl];
  if (Object.keys(all).length === 0) await rm(file, { force: true });
  else await writeAll(file, all);
  return true;
}
