import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
  answered: number;
}

/**
 * A real webhook receiver on 127.0.0.1: records every request; `answers` picks each status by
 * path (200 when none is queued); `next(match)` resolves at the first request that matches,
 * already received or still to come.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly answers = new Map<string, number[]>();
  private readonly waiting: Array<{ match: (r: ReceivedWebhook) => boolean; resolve: (r: ReceivedWebhook) => void }> = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        const status = this.answers.get(req.url!)?.shift() ?? 200;
        const r: ReceivedWebhook = { path: req.url!, headers: req.headers, raw, body: JSON.parse(raw), answered: status };
        this.received.push(r);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver error');
        for (const w of [...this.waiting]) {
          if (!w.match(r)) continue;
          this.waiting.splice(this.waiting.indexOf(w), 1);
          w.resolve(r);
        }
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** The first request matching, when it arrives; rejects after `timeoutMs` saying what came instead. */
  next(match: (r: ReceivedWebhook) => boolean, timeoutMs = 60_000): Promise<ReceivedWebhook> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching webhook request within ${timeoutMs} ms; got ${JSON.stringify(this.received.map((r) => [r.path, r.body.event]))}`)), timeoutMs);
      this.waiting.push({ match, resolve: (r) => (clearTimeout(timer), resolve(r)) });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The v1 signatures of an X-Provisioner-Signature header, in order, and its t. */
export function signaturesOf(header: string): { t: string; v1: string[] } {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  return { t: parts.find(([k]) => k === 't')?.[1] ?? '', v1: parts.filter(([k]) => k === 'v1').map(([, v]) => v) };
}

/** What a receiver does: the HMAC of "<t>.<body>" with its secret, compared in constant time with the header's v1 at `index`. */
export function signedWith(header: string, raw: string, secret: string, index = 0): boolean {
  const { t, v1 } = signaturesOf(header);
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest();
  const given = Buffer.from(v1[index] ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
