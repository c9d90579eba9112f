/** Turns schema issues into `{path, message}` pairs people can act on. */
import type { z } from 'zod';

/** Formats a path as `teams.emea-sdr.members[2].maxOpen`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** One message per problem: unknown fields, missing fields and wrong values each say so plainly. */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: formatPath([...i.path, k]), message: 'unknown field' });
      continue;
    }
    if (i.code === 'invalid_key') {
      // zod says only "Invalid key in record"; the key schema's own message says what an id may contain.
      out.push({ path: formatPath(i.path), message: i.issues[0]?.message ?? 'invalid key' });
      continue;
    }
    const missing = i.path.length > 0 && valueAt(input, i.path) === undefined;
    let message = i.message;
    if (missing && (i.code === 'invalid_type' || i.code === 'invalid_union' || i.code === 'invalid_value'))
      message = 'is required';
    else if (message.startsWith('Invalid input'))
      message = i.code === 'invalid_type' ? `expected ${i.expected}` : 'invalid value';
    out.push({ path: formatPath(i.path), message });
  }
  return out;
}
