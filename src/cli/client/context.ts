import { InvalidArgumentError, Option, type Command } from 'commander';
import { isProvisionerError } from '../../domain/errors.ts';
import { ApiClient, ApiProblemError, ApiUnreachableError, NotLoggedInError, resolveApiUrl } from './api-client.ts';
import { loadLogin } from './credentials.ts';
import { CLIENT_EXIT, EXIT_CODES_HELP } from './exit-codes.ts';
import { stderrStyle, stdoutStyle, type Style } from './terminal.ts';
import { cliCommand } from './invocation.ts';
import { exitWhenFlushed } from '../shared.ts';

export interface ClientOptions {
  apiUrl?: string;
  token?: string;
  json?: boolean;
}

/** What every client command works with. */
export interface ClientContext {
  apiUrl: string;
  json: boolean;
  style: Style;
  /** The API with the caller's token (throws NotLoggedInError when there is none). */
  api(): Promise<ApiClient>;
  /** The API without a token (login, health). */
  anonymous(): ApiClient;
  out(text?: string): void;
  /** Exactly the API's JSON, one document. */
  outJson(value: unknown): void;
}

/** A client command: the shared options, a description, examples in --help. */
export function clientCommand(parent: Command, nameAndArgs: string, description: string, examples: string[]): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .addOption(new Option('--api-url <url>', 'API base URL').env('API_URL').default(undefined, 'http://localhost:4000/api'))
    .option('--token <token>', 'bearer token (also env PROVISIONER_TOKEN; default: the cached login)')
    .option('--json', 'machine output: the API\'s JSON')
    .addHelpText('after', () => `\nExamples:\n${examples.map((e) => `  $ ${e.replace(/(^|\s)provisioner (?=\S)/, (_, pre: string) => pre + cliCommand(''))}`).join('\n')}\n\n${EXIT_CODES_HELP}\n`);
}

export function makeContext(opts: ClientOptions): ClientContext {
  const apiUrl = resolveApiUrl(opts.apiUrl);
  return {
    apiUrl,
    json: opts.json === true,
    style: stdoutStyle(),
    async api() {
      const explicit = opts.token ?? process.env.PROVISIONER_TOKEN;
      if (explicit) return new ApiClient(apiUrl, explicit);
      const cached = await loadLogin(apiUrl);
      if (cached && Date.parse(cached.expires_at) > Date.now()) return new ApiClient(apiUrl, cached.token);
      // no login for this URL: a mistyped URL must read as such, not as "log in"
      await assertProvisionerApi(apiUrl);
      if (!cached) throw new NotLoggedInError(apiUrl);
      throw new NotLoggedInError(apiUrl, `The login to ${apiUrl} as ${cached.email} expired at ${cached.expires_at}`);
    },
    anonymous: () => new ApiClient(apiUrl, null),
    out: (text = '') => void process.stdout.write(text + '\n'),
    outJson: (value) => void process.stdout.write(JSON.stringify(value, null, 2) + '\n'),
  };
}

/** Throws API_UNREACHABLE unless a Provisioner API answers its liveness route at apiUrl. */
async function assertProvisionerApi(apiUrl: string): Promise<void> {
  try {
    await new ApiClient(apiUrl, null, 10_000).get('/health');
  } catch (e) {
    if (e instanceof ApiProblemError) throw new ApiUnreachableError(apiUrl, `no Provisioner API there (GET ${apiUrl}/health answered ${e.status})`);
    throw e;
  }
}

/** The exit code for an error; see exit-codes.ts. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof InvalidArgumentError) return CLIENT_EXIT.usage;
  if (!isProvisionerError(e)) return CLIENT_EXIT.failure;
  if (e.code === 'CONFIG_INVALID' || e.code === 'CREDENTIALS_FILE_INVALID') return CLIENT_EXIT.config;
  if (e.code === 'API_UNREACHABLE') return CLIENT_EXIT.unreachable;
  if (e.code === 'NOT_LOGGED_IN') return CLIENT_EXIT.auth;
  if (e instanceof ApiProblemError) {
    if (e.status === 401) return CLIENT_EXIT.auth;
    if (e.status === 403) return CLIENT_EXIT.forbidden;
    if (e.status === 404) return CLIENT_EXIT.notFound;
    if (e.status === 409) return CLIENT_EXIT.conflict;
    if (e.status >= 400 && e.status < 500) return CLIENT_EXIT.usage;
  }
  return CLIENT_EXIT.failure;
}

/** `error [CODE]: detail` and `hint: …` on stderr; a 401 also says how to log in. */
export function printError(e: unknown, apiUrl: string | null, style: Style = stderrStyle()): void {
  if (e instanceof InvalidArgumentError) {
    process.stderr.write(`${style.red('error')}: ${e.message}\n`);
    return;
  }
  if (isProvisionerError(e)) {
    const hint = e instanceof ApiProblemError && e.status === 401 && e.code !== 'INVALID_CREDENTIALS' && apiUrl ? `log in again: ${cliCommand(`login --api-url ${apiUrl}`)}` : e.hint;
    process.stderr.write(`${style.red('error')} [${e.code}]: ${e.message}\n${style.dim('hint')}: ${hint}\n`);
    const fields = e instanceof ApiProblemError && Array.isArray(e.problem.errors) ? (e.problem.errors as Array<{ path: string; message: string }>) : [];
    for (const f of fields) process.stderr.write(`  ${f.path}: ${f.message}\n`);
    return;
  }
  process.stderr.write(`${style.red('error')}: ${e instanceof Error ? e.message : String(e)}\n`);
}

/**
 * Runs a command's body and exits with the code it answers (or the error's). Exits explicitly:
 * an event stream or a keep-alive socket must not keep a finished command alive.
 */
export function clientAction<Args extends unknown[]>(body: (ctx: ClientContext, ...args: Args) => Promise<number | void>) {
  return async (...all: unknown[]): Promise<void> => {
    const command = all[all.length - 1] as Command;
    const args = all.slice(0, -1) as Args; // the arguments, then the options
    let apiUrl: string | null = null;
    let code: number;
    try {
      const ctx = makeContext(command.optsWithGlobals<ClientOptions>());
      apiUrl = ctx.apiUrl;
      code = (await body(ctx, ...args)) ?? CLIENT_EXIT.ok;
    } catch (e) {
      if (e instanceof InvalidArgumentError) command.error(`error: ${e.message}`, { exitCode: CLIENT_EXIT.usage, code: 'provisioner.usage' });
      printError(e, apiUrl);
      code = exitCodeFor(e);
    }
    await exitWhenFlushed(code);
  };
}

// ---- argument parsers (a bad value is a usage error, exit 2, before any request) --------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tenantId(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError(`"${value}" is not a tenant id (a UUID such as 3f2c1a9e-…; see ${cliCommand('tenants list')})`);
  return value.toLowerCase();
}

export function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };
}

export function isoTime(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new InvalidArgumentError('must be an ISO 8601 time with a zone, e.g. 2025-01-31T08:00:00Z');
  }
  return new Date(value).toISOString();
}
