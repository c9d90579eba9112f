/** Logging with personal data scrubbed: no raw email or phone number ever reaches a log line. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from './ports.ts';

// Bounded repetitions: an unbounded local part made the scan quadratic (50,000 characters took seconds).
const EMAIL = /[A-Za-z0-9._%+-]{1,254}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}/g;
// International numbers (+ and 7–26 digits and separators); local numbers with a trunk 0 (`030 1234567`,
// `(030) 1234567`, `0301234567`) not inside a word or id; and three groups with separators (`202-555-0101`).
// Other bare digit runs are left alone: they are ids and timestamps.
const PHONE =
  /\+\d[\d\s()./-]{5,24}\d|(?<![\w+-])\(?0\d{1,5}\)?[ ./-]?\d[\d ./-]{3,16}\d(?![\w-])|\(?\b\d{2,5}\)?[\s./-]\d{2,5}[\s./-]\d{2,8}\b/g;
// A token of URL-encoded text (`jane%40acme.example`, `%2B49%2030%20123`) is checked again once decoded.
const TOKEN = /[\w.~!*'()+%-]+/g;
const ESCAPE = /%[0-9A-Fa-f]{2}/;
/** Longest string logged; the rest is cut, which also bounds the cost of the scrub. */
const MAX_CHARS = 8192;

function scrubPlain(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

function hidesPersonalData(token: string): boolean {
  if (!ESCAPE.test(token)) return false;
  for (const t of [token, token.replace(/\+/g, ' ')]) {
    try {
      const d = decodeURIComponent(t);
      if (scrubPlain(d) !== d) return true;
    } catch {
      // Not valid percent-encoding: nothing hides in it that the plain pass does not see.
    }
  }
  return false;
}

/** Replaces emails and phone numbers in a string, URL-encoded ones (paths, query strings) included. */
export function scrub(text: string): string {
  const bounded = text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…[cut]` : text;
  return scrubPlain(bounded.replace(TOKEN, (t) => (hidesPersonalData(t) ? '[redacted]' : t)));
}

/** Deep copy of `value` with every string scrubbed; cycles and depth are bounded. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than this is cut, not copied raw: its strings would escape the scrub.
  if (depth > 8) return '[truncated]';
  if (value instanceof Error) return { name: value.name, message: scrub(value.message) };
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = /^(email|phone|mobilephone|firstName|lastName|firstname|lastname)$/i.test(k)
      ? '[redacted]'
      : redact(v, depth + 1);
  }
  return out;
}

/** A Log over a Powertools logger, redacting every message and attribute. */
export function powertoolsLog(logger: Logger): Log {
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, data?: Record<string, unknown>) =>
      data
        ? logger[level](scrub(message), redact(data) as Record<string, unknown>)
        : logger[level](scrub(message));
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/** The process-wide logger; the service name comes from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'leadclock' });

/** The process-wide redacting Log. */
export const log: Log = powertoolsLog(logger);
