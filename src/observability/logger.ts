import pino, { type Logger } from 'pino';
import { redactUrl } from './redact.ts';

export type { Logger };

/** Paths whose values never reach a log line (secrets and credentials). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'apiSecret',
  '*.apiSecret',
  'api_secret',
  '*.api_secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'access_token',
  '*.access_token',
  // a webhook's signing secret (its record, a request body)
  'secret',
  '*.secret',
];

export { redactUrl };

/** Fastify's request serializer, with the query token redacted: request lines log the URL. */
const serializers: pino.LoggerOptions['serializers'] = {
  req: (req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
    method: req.method,
    url: req.url === undefined ? undefined : redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
};

/**
 * JSON lines by default (what `docker-compose logs api | grep` reads); pretty on a terminal
 * when asked for. Every line about a run carries tenant_id, run_id, step and attempt.
 */
export function createLogger(opts: { level?: string; pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const base: pino.LoggerOptions = {
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers,
    base: { service: 'provisioner' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(base, opts.destination);
  if (opts.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } } });
  return pino(base);
}
