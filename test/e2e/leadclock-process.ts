/** Runs `npm start` (shared/cli/start.ts) in a child process for the end-to-end tests, and talks to it over HTTP. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A port nobody listens on right now: bind to port 0, read it, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A running `npm start`, with what its banner printed. */
export interface LeadclockProcess {
  /** The API base URL, e.g. `http://127.0.0.1:4123`. */
  url: string;
  ingestKey: string;
  viewerKey: string;
  adminKey: string;
  /** The HubSpot sandbox base URL from the banner. */
  sandboxUrl: string;
  /** Everything printed to stdout so far. */
  stdout(): string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code, or rejects when it has not exited within `withinMs`. */
  stop(withinMs?: number): Promise<number | null>;
  /** Kills it without ceremony (clean-up after a failure). */
  kill(): void;
}

/** Starts `npm start` with `env` on top of this process's environment; resolves once the banner is out. */
export async function startLeadclock(
  env: Record<string, string>,
  bannerWithinMs = 20_000,
): Promise<LeadclockProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['shared/cli/start.ts'], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const banner = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner within ${bannerWithinMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, bannerWithinMs);
    const check = () => {
      if (!out.includes('Ctrl-C stops it.')) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve(out);
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
  const grab = (re: RegExp, what: string) => {
    const m = re.exec(banner);
    if (!m?.[1]) throw new Error(`no ${what} in the banner:\n${banner}`);
    return m[1];
  };

  return {
    url: grab(/^ {2}API +(http:\/\/\S+)\/leads$/m, 'API URL'),
    ingestKey: grab(/^ {2}Ingest key +(\S+)$/m, 'ingest key'),
    viewerKey: grab(/^ {2}Viewer key +(\S+)$/m, 'viewer key'),
    adminKey: grab(/^ {2}Admin key +(\S+)$/m, 'admin key'),
    sandboxUrl: grab(/HubSpot sandbox at (http:\/\/[^;\s]+)/, 'sandbox URL'),
    stdout: () => out,
    async stop(withinMs = 5000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`still running ${withinMs} ms after SIGINT\nstderr:\n${err}`));
        }, withinMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A JSON answer: status and parsed body. */
export interface JsonAnswer<T> {
  status: number;
  body: T;
}

/** Calls the API with the admin key (which may do everything) as bearer token. */
export async function api<T = Record<string, unknown>>(
  lc: Pick<LeadclockProcess, 'url' | 'adminKey'>,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<JsonAnswer<T>> {
  const res = await fetch(`${lc.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${lc.adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls `check` every `everyMs` until it returns a value, or throws after `timeoutMs` with the last value seen. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
