import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, after } from 'node:test';
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'bin/provisioner.js');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and answers its exit code and output. Async on purpose: the server under test
 * runs in this process and must keep answering while the child waits for it. The child gets a
 * process group of its own, killed whole on timeout: a script's grandchildren must not outlive it.
 */
export function run(file: string, args: string[], env: Record<string, string | undefined> = {}, opts: { timeoutMs?: number; cwd?: string; onOutput?: (chunk: string) => void } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env })) if (v !== undefined) merged[k] = v;
    const child = spawn(file, args, { env: merged, cwd: opts.cwd ?? ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => ((stdout += c), opts.onOutput?.(c)));
    child.stderr.setEncoding('utf8').on('data', (c: string) => ((stderr += c), opts.onOutput?.(c)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs ?? 180_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut || code === null) return reject(Object.assign(new Error(`${file} ${args.join(' ')} ${timedOut ? 'timed out' : `died of ${signal}`}`), { stdout, stderr }));
      resolve({ code, stdout, stderr });
    });
  });
}

/** `node bin/provisioner.js …`, as an operator runs it. */
export const cli = (args: string[], env: Record<string, string | undefined> = {}, opts: { timeoutMs?: number } = {}) => run(process.execPath, [CLI, ...args], env, opts);

/** A CLI command that keeps running (monitor, logs --follow): act on what it printed, then await its end. */
export interface RunningCli {
  /** Resolves once stdout or stderr matches (what it printed so far included). */
  printed(pattern: RegExp): Promise<void>;
  done: Promise<Result>;
}

export function startCli(args: string[], env: Record<string, string | undefined> = {}, opts: { timeoutMs?: number } = {}): RunningCli {
  let output = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const done = run(process.execPath, [CLI, ...args], env, {
    ...opts,
    onOutput: (chunk) => {
      output += chunk;
      for (const w of [...waiters]) if (w.pattern.test(output)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
    },
  });
  return {
    done,
    printed: (pattern) =>
      pattern.test(output)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ pattern, resolve })),
            done.then((r) => Promise.reject(new Error(`exited ${r.code} before printing ${pattern}:\n${r.stdout}${r.stderr}`))),
          ]),
  };
}

/** A private config folder for cached logins, so tests never touch the user's. */
export async function configDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'provisioner-cli-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface CliServer {
  h: Harness;
  /** The private config folder the CLI keeps its credentials in. */
  dir: string;
  /** The environment that points the CLI at the server and the folder. */
  env: Record<string, string | undefined>;
}

/** A real server and a private config folder for one test file, torn down after it. */
export function useCliServer(extraEnv: (h: Harness) => Record<string, string | undefined> = (h) => ({ PROVISIONER_TOKEN: h.token }), harness: HarnessOptions = { proxy: true }): CliServer {
  const server = {} as CliServer;
  let cfg: Awaited<ReturnType<typeof configDir>>;
  before(async () => {
    server.h = await startHarness(harness);
    cfg = await configDir();
    server.dir = cfg.dir;
    server.env = { API_URL: `${server.h.api}/api`, PROVISIONER_CONFIG_DIR: cfg.dir, ...extraEnv(server.h) };
  });
  after(async () => {
    await cfg.remove();
    await server.h.close();
  });
  return server;
}
