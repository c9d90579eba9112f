/** Polls `check` until it returns a truthy value or `timeoutMs` passes; the last error or a timeout error is thrown. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw last instanceof Error ? last : new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A Log that keeps lines for assertions (and prints nothing). */
export function memoryLog(): {
  lines: { level: string; message: string; data?: Record<string, unknown> }[];
  debug: (m: string, d?: Record<string, unknown>) => void;
  info: (m: string, d?: Record<string, unknown>) => void;
  warn: (m: string, d?: Record<string, unknown>) => void;
  error: (m: string, d?: Record<string, unknown>) => void;
} {
  const lines: { level: string; message: string; data?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, data?: Record<string, unknown>) => {
    lines.push({ level, message, data });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
