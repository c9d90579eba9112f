/**
 * The policy source of the local runtime: the policy file, watched. A valid change is applied within
 * the poll interval; a bad one is refused with every problem and its path, and the last good policy
 * stays in use. (In AWS, shared/adapters/appconfig-policy.ts serves the same port.)
 */
import { createHash } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Log, PolicySource } from '../app/ports.ts';
import type { Policy } from '../domain/compile.ts';
import { loadPolicy } from '../domain/policy.ts';

/** What happened on a change of the file. */
export type PolicyFileEvent =
  | { kind: 'applied'; version: string }
  | { kind: 'refused'; version: string; message: string };

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Watches `path` (polling every `intervalMs`, default 500); starts from the file as it is now (which must be valid). */
export function watchPolicyFile(
  path: string,
  opts: { intervalMs?: number; log?: Log; onChange?: (e: PolicyFileEvent) => void } = {},
): PolicySource {
  const first = readFileSync(path, 'utf8');
  let policy: Policy = loadPolicy(first, path);
  let version = hash(first);
  let seen = version;
  const check = () => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      opts.log?.error('policy file unreadable; keeping the last good policy', { error: String(e) });
      return;
    }
    const v = hash(text);
    if (v === seen) return;
    seen = v;
    try {
      policy = loadPolicy(text, path);
      version = v;
      opts.log?.info(`policy ${path} changed: applied (version ${v})`);
      opts.onChange?.({ kind: 'applied', version: v });
    } catch (e) {
      const message = (e as Error).message;
      opts.log?.error(`policy ${path} changed but is invalid; keeping version ${version}\n${message}`);
      opts.onChange?.({ kind: 'refused', version: v, message });
    }
  };
  watchFile(path, { interval: opts.intervalMs ?? 500, persistent: false }, check);
  return {
    current: () => policy,
    version: () => version,
    close: () => unwatchFile(path, check),
  };
}
