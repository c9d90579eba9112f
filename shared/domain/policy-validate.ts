/**
 * Checks a policy version as published to run-time configuration: the precompiled envelope, whose
 * document must pass `validatePolicy` (schema and cross-checks) and compile. Returns the problems, each
 * with its path; none means the version may be deployed.
 */
import { compilePolicy } from './compile.ts';
import { PRECOMPILED_POLICY_FORMAT } from './policy-json.ts';
import { validatePolicy } from './policy-schema.ts';

export function checkPolicyVersion(text: string): string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return [`(content): not JSON: ${(e as Error).message}`];
  }
  const v = raw as { format?: unknown; doc?: unknown } | null;
  if (typeof v !== 'object' || v === null || v.format !== PRECOMPILED_POLICY_FORMAT)
    return [`format: expected '${PRECOMPILED_POLICY_FORMAT}' (publish with npm run policy -- publish)`];
  const { policy, issues } = validatePolicy(v.doc);
  if (!policy) return issues.map((i) => `${i.path || '(root)'}: ${i.message}`);
  try {
    compilePolicy(policy);
  } catch (e) {
    return [`(policy): ${(e as Error).message}`];
  }
  return [];
}
