/**
 * Policy as code: the one YAML file a RevOps person edits. This module reads it (YAML, with line numbers
 * in every error) and re-exports the schema and its types from policy-schema.ts. Cold starts do not come
 * here: the CDK app validates the policy at synth and ships it precompiled (policy-json.ts).
 */
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { compilePolicy, type Policy } from './compile.ts';
import { lintPolicy, type PolicyWarning } from './policy-lint.ts';
import { type PolicyDoc, PolicyError, validatePolicy } from './policy-schema.ts';

export * from './policy-schema.ts';

/** Parses and validates YAML text; throws PolicyError naming every problem with its path and line. */
export function parsePolicy(text: string, source?: string): PolicyDoc {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new PolicyError(
      doc.errors.map((e) => ({
        path: '',
        message: `YAML: ${e.message.split('\n')[0]}`,
        // linePos is only filled in with prettyErrors, so the line is taken from the offset.
        line: lineCounter.linePos(e.pos[0]).line,
      })),
      source,
    );
  }
  const { policy, issues } = validatePolicy(doc.toJS());
  if (policy) return policy;
  throw new PolicyError(
    issues.map((i) => ({ ...i, line: lineOf(doc, lineCounter, i.path) })),
    source,
  );
}

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: string): number | undefined {
  const segs: (string | number)[] = [];
  for (const m of path.matchAll(/\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)|\[(\d+)\]/g))
    segs.push(
      m[1] !== undefined
        ? (JSON.parse(m[1]) as string)
        : m[3] !== undefined
          ? Number(m[3])
          : (m[2] as string),
    );
  // Walk as deep as the document goes; a missing field points at its parent.
  for (let n = segs.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segs.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
      return lc.linePos(node.range[0] as number).line;
    }
    if (n === 0 && (isMap(doc.contents) || isSeq(doc.contents))) return undefined;
  }
  return undefined;
}

/** Loads a policy and lints it (policy-lint.ts): the warnings carry the line they point at. */
export function checkPolicyText(
  yamlText: string,
  source?: string,
): { policy: Policy; warnings: PolicyWarning[] } {
  const policy = loadPolicy(yamlText, source);
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter });
  const warnings = lintPolicy(policy.doc).map((w) => ({ ...w, line: lineOf(doc, lineCounter, w.path) }));
  return { policy, warnings };
}

/** Parses, validates and compiles policy YAML; throws PolicyError listing every problem. */
export function loadPolicy(yamlText: string, source?: string): Policy {
  return compilePolicy(parsePolicy(yamlText, source));
}
