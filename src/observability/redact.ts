/**
 * Token redaction for anything that prints a URL or a log line (the request log, diagnose
 * bundles). No dependency: the CLI loads it too.
 */

/** Query parameters that carry a bearer token (the event stream's EventSource fallback). */
const TOKEN_PARAMS = new Set(['access_token', 'token']);

/** A query key as the server reads it: percent-decoded, + as space; undecodable stays as it is. */
function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return key.toLowerCase();
  }
}

/**
 * A URL with the value of every token-bearing query parameter replaced, whatever the key's
 * percent-encoding (`access%5Ftoken`, `%61ccess_token` are the same parameter to the server).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq >= 0 && TOKEN_PARAMS.has(decodeKey(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return url.slice(0, q + 1) + redacted + (hash < 0 ? '' : url.slice(hash));
}

/** A JSON Web Token anywhere in a text: three base64url parts, the first a JSON header ("eyJ"). */
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;
/** A query string inside a text (a logged URL): each key=value pair up to a space or a quote. */
const QUERY_PAIR = /([?&])([^=&\s"'#]+)=([^&\s"'#]*)/g;

/**
 * A free text (a log line) with every token taken out: query parameters that carry one (under
 * any encoding of their key), Authorization values (Bearer, Frappe's token key:secret), and any
 * JSON Web Token wherever it stands.
 */
export function redactTokens(text: string): string {
  return text
    .replace(QUERY_PAIR, (all, sep: string, key: string) => (TOKEN_PARAMS.has(decodeKey(key)) ? `${sep}${key}=[redacted]` : all))
    .replace(/(bearer(?:\s|%20|\+)+)[\w.~+/=-]+/gi, '$1[redacted]')
    .replace(/(token\s+)[\w-]+:[\w-]+/gi, '$1[redacted]')
    .replace(JWT, '[redacted]');
}
