import { createInterface } from 'node:readline/promises';
import { InvalidArgumentError } from 'commander';

/** Colors only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** Box-drawing characters only when the locale says UTF-8; plain ASCII otherwise. */
export function unicodeFor(env: NodeJS.ProcessEnv = process.env): boolean {
  return /utf-?8/i.test(env.LC_ALL || env.LC_CTYPE || env.LANG || '');
}

export interface Style {
  color: boolean;
  unicode: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  status(status: string, text?: string): string;
}

export function makeStyle(color: boolean, unicode: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (color ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  const s = {
    color,
    unicode,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    status(status: string, text = status): string {
      if (status === 'COMPLETED' || status === 'completed') return s.green(text);
      if (status === 'FAILED' || status === 'failed') return s.red(text);
      if (status === 'PARTIAL' || status === 'skipped') return s.yellow(text);
      if (status === 'IN_PROGRESS' || status === 'running') return s.cyan(text);
      return text;
    },
  };
  return s;
}

export const stdoutStyle = () => makeStyle(colorsFor(process.stdout), unicodeFor());
export const stderrStyle = () => makeStyle(colorsFor(process.stderr), unicodeFor());

/** `[█████░░░░░]  45%` (or `[#####-----]  45%` without UTF-8). */
export function progressBar(percent: number, width: number, style: Style, status = ''): string {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  const filled = Math.round((p / 100) * width);
  const [full, empty] = style.unicode ? ['█', '░'] : ['#', '-'];
  return `[${style.status(status, full.repeat(filled))}${empty.repeat(width - filled)}] ${String(p).padStart(3)}%`;
}

/** Step outcome marks. */
export function stepMark(status: string, style: Style): string {
  const marks: Record<string, [string, string]> = {
    completed: ['✓', '+'],
    failed: ['✗', 'x'],
    running: ['▶', '>'],
    skipped: ['↷', '~'],
    pending: ['·', '.'],
  };
  const [u, a] = marks[status] ?? ['?', '?'];
  return style.status(status, style.unicode ? u : a);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A visible prompt on the terminal (stderr, so stdout stays clean for --json). */
export async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** A prompt that echoes nothing (passwords), in raw mode; Ctrl-C cancels. */
export function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  let value = '';
  return new Promise((resolve, reject) => {
    const done = () => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new InvalidArgumentError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Cuts or pads to exactly `width` visible characters (no escape codes inside). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  return width === 1 ? text.slice(0, 1) : text.slice(0, width - 1) + '…';
}
