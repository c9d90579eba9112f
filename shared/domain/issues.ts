/** Turns schema issues into `{path, message}` pairs people can act on. */
import type { z } from 'zod';

/** Formats a path as `teams.emea-sdr.members[2].maxOpen`; with `quoteKeys`, a key with dots, brackets or spaces as `where["contact.x"]`. */
export function formatPath(path: readonly PropertyKey[], quoteKeys = false): string {
  return formatKeys(path, quoteKeys);
}

function formatKeys(path: readonly PropertyKey[], quoteKeys: boolean): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (quoteKeys && /[.[\]"\s]/.test(String(seg))) out += `[${JSON.stringify(String(seg))}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/**
 * The issues of the union branch the value was meant for: the one whose type matched (its problems lie
 * inside the value), so `match: {where: {industry: {contanis: x}}}` reports the unknown operator rather
 * than "expected a condition or a list of conditions". Undefined when no branch, or several, fit.
 */
function meantBranch(i: z.core.$ZodIssue): z.core.$ZodIssue[] | undefined {
  if (i.code !== 'invalid_union' || !('errors' in i) || !Array.isArray(i.errors)) return undefined;
  // The value had the branch's type: its problems lie inside it, or are unknown keys or refinements of it.
  const fits = (i.errors as z.core.$ZodIssue[][]).filter(
    (branch) =>
      branch.length > 0 &&
      branch.every((b) => b.path.length > 0 || b.code === 'unrecognized_keys' || b.code === 'custom'),
  );
  if (fits.length !== 1) return undefined;
  return (fits[0] as z.core.$ZodIssue[]).map(
    (b) => ({ ...b, path: [...i.path, ...b.path] }) as z.core.$ZodIssue,
  );
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
  quoteKeys = false,
): { path: string; message: string }[] {
  const formatPath = (path: readonly PropertyKey[]) => formatKeys(path, quoteKeys);
  const out: { path: string; message: string }[] = [];
  for (const i of issues) {
    const branch = meantBranch(i);
    if (branch) {
      out.push(...describeIssues(branch, input, quoteKeys));
      continue;
    }
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
