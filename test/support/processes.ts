import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TEST_ENCRYPTION_KEY } from './secrets.ts';

/**
 * The engines of the tests (the simulator, proxies before it, the API itself for a "not ERPNext"
 * engine) listen on 127.0.0.1: allowed explicitly, as an operator would with
 * PROVISIONER_ENGINE_ALLOWED_HOSTS, so that the tests also pass outside demo mode (in process
 * through the harness's config, in the processes spawned here through the environment).
 */
export const TEST_ENGINE_ALLOWED_HOSTS = ['127.0.0.1'];

const root = path.resolve(import.meta.dirname, '../..');

export interface ProvisionerProcess {
  child: ChildProcess;
  /** Every line the process wrote (stdout and stderr). */
  lines: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** `provisioner <args>` as a real child process (what operators and CI run), with the tests' engine allow-list and engine-credential key unless `env` says otherwise. */
export function spawnProvisioner(args: string[], env: Record<string, string | undefined>, opts: { cwd?: string } = {}): ProvisionerProcess {
  // undefined removes a variable of this process's environment
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, LOG_LEVEL: 'info', LOG_PRETTY: 'false', PROVISIONER_ENGINE_ALLOWED_HOSTS: TEST_ENGINE_ALLOWED_HOSTS.join(','), PROVISIONER_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, ...env })) if (v !== undefined) merged[k] = v;
  const child = spawn(process.execPath, [path.join(root, 'bin/provisioner.js'), ...args], {
    cwd: opts.cwd ?? root,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString().split('\n').filter(Boolean)) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    exited,
    kill: (signal) => void child.kill(signal),
    waitForLine(pattern, timeoutMs = 120_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`)), timeoutMs);
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}
