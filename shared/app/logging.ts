/** Logging with personal data scrubbed: no raw email or phone number ever reaches a log line. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from './ports.ts';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// International numbers (+ and 7–15 digits, separators allowed) and local numbers written with separators.
// Bare digit runs are left alone: they are ids and timestamps.
const PHONE = /\+\d[\d\s().-]{5,18}\d|\(?\b\d{2,5}\)?[\s.-]\d{2,5}[\s.-]\d{2,8}\b/g;

/** Replaces emails and phone numbers in a string. */
export function scrub(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

/** Deep copy of `value` with every string scrubbed; cycles and depth are bounded. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
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
