import { InvalidArgumentError } from 'commander';

/** Exit codes of every command (documented in the README). */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

/**
 * Exits once stdout and stderr have handed their queued output to the OS. A pipe takes about
 * 64 KiB at once; past that Node queues the rest, and process.exit() would drop it (a long
 * `--json` list was cut mid-document when its reader was slow).
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => (stream.writableLength === 0 ? resolve() : stream.write('', () => resolve())));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

export const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
};

/** Stops on SIGINT/SIGTERM: finish or hand back the current step, then exit. */
export function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`${signal}: shutting down\n`);
    close().then(
      () => process.exit(EXIT.ok),
      () => process.exit(EXIT.failure),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
