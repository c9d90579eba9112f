/**
 * The precompiled policy: the validated document, defaults applied, as JSON. The CDK app validates the
 * YAML at synth and ships this next to every bundle, so a cold start reads it with `JSON.parse` and
 * `compilePolicy`, without the YAML parser or the schema. The envelope marks a document as validated: a
 * plain JSON policy is not, and goes through the schema like YAML does.
 */
import { compilePolicy, countryName, type Policy } from './compile.ts';
import type { PolicyDoc } from './policy-schema.ts';

/** Format marker of a precompiled policy file. */
export const PRECOMPILED_POLICY_FORMAT = 'leadclock-policy-precompiled/1';

interface PrecompiledPolicy {
  format: typeof PRECOMPILED_POLICY_FORMAT;
  /** The file it was compiled from, for people reading the bundle. */
  source?: string;
  doc: PolicyDoc;
  /** English names of the two-letter codes under `regions`, so a cold start does not load ICU's display names. */
  countryNames: Record<string, string>;
}

/** The precompiled file for a document that passed validation (`parsePolicy` / `validatePolicy`). */
export function precompiledPolicyJson(doc: PolicyDoc, source?: string): string {
  const countryNames: Record<string, string> = {};
  for (const countries of Object.values(doc.regions)) {
    for (const c of countries) {
      const code = c.toUpperCase();
      const name = /^[A-Z]{2}$/.test(code) ? countryName(code) : undefined;
      if (name) countryNames[code] = name;
    }
  }
  const file: PrecompiledPolicy = { format: PRECOMPILED_POLICY_FORMAT, source, doc, countryNames };
  return `${JSON.stringify(file)}\n`;
}

/** Compiles a parsed precompiled policy file; undefined when `value` is not one. */
export function compilePrecompiled(value: unknown): Policy | undefined {
  const v = value as Partial<PrecompiledPolicy> | null;
  if (typeof v !== 'object' || v === null || v.format !== PRECOMPILED_POLICY_FORMAT) return undefined;
  if (typeof v.doc !== 'object' || v.doc === null) return undefined;
  const names = v.countryNames ?? {};
  return compilePolicy(v.doc, {
    countryName: (code) => (Object.hasOwn(names, code) ? names[code] : countryName(code)),
  });
}
