/**
 * SNS subscription filter policies, per the SNS documentation: AND across keys, OR within a key's
 * array, `$or` for alternatives, and the operators exact string/number, prefix, suffix,
 * equals-ignore-case, anything-but, numeric and exists.
 */

/** A message attribute as SNS receives it. */
export interface SnsAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64, as on the wire. */
  BinaryValue?: string;
}

/** Where a filter policy looks. */
export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

type Scalar = string | number | boolean | null;
type Policy = { [key: string]: unknown };

/** Thrown for a policy SNS would refuse; the message follows "Invalid parameter: FilterPolicy: ". */
export class FilterPolicyError extends Error {}

const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;
const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

const isObject = (value: unknown): value is Policy =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Parses and validates a policy the way Subscribe / SetSubscriptionAttributes do. */
export function parseFilterPolicy(raw: string, scope: FilterPolicyScope): Policy {
  let policy: unknown;
  try {
    policy = JSON.parse(raw);
  } catch {
    throw new FilterPolicyError('failed to parse JSON.');
  }
  if (!isObject(policy)) throw new FilterPolicyError('Filter policy must be a JSON object.');
  const leaves: number[] = [];
  validatePolicy(policy, scope, leaves, 0);
  if (leaves.length > MAX_KEYS)
    throw new FilterPolicyError(`Filter policy can not have more than ${MAX_KEYS} keys`);
  const combinations = leaves.reduce((product, n) => product * n, 1);
  if (combinations > MAX_COMBINATIONS) throw new FilterPolicyError('Filter policy is too complex');
  return policy;
}

function validatePolicy(policy: Policy, scope: FilterPolicyScope, leaves: number[], depth: number): void {
  if (Object.keys(policy).length === 0) throw new FilterPolicyError('Filter policy can not be empty.');
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw new FilterPolicyError('"$or" must be an array of at least two filter policies');
      }
      const branchLeaves: number[] = [];
      for (const branch of value) validatePolicy(branch as Policy, scope, branchLeaves, depth);
      leaves.push(...branchLeaves);
      continue;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) throw new FilterPolicyError(`Empty arrays are not allowed: ${key}`);
      for (const condition of value) validateCondition(key, condition);
      leaves.push(value.length);
    } else if (isObject(value) && scope === 'MessageBody') {
      validatePolicy(value, scope, leaves, depth + 1);
    } else if (isObject(value)) {
      throw new FilterPolicyError(
        'Filter policy scope MessageAttributes does not support nested filter policy',
      );
    } else {
      throw new FilterPolicyError(`Match value must be String, number, true, false, or null: ${key}`);
    }
  }
}

function validateCondition(key: string, condition: unknown): void {
  if (isScalar(condition)) return;
  if (!isObject(condition))
    throw new FilterPolicyError(`Match value must be String, number, true, false, or null`);
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw new FilterPolicyError(`Only one key allowed in match expression: ${key}`);
  const [operator, operand] = entries[0] as [string, unknown];
  switch (operator) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof operand !== 'string')
        throw new FilterPolicyError(`${operator} match pattern must be a string`);
      return;
    case 'exists':
      if (typeof operand !== 'boolean')
        throw new FilterPolicyError('exists match pattern must be either true or false.');
      return;
    case 'anything-but':
      if (isScalar(operand)) return;
      if (Array.isArray(operand) && operand.length > 0 && operand.every(isScalar)) return;
      if (isObject(operand)) {
        const inner = Object.entries(operand);
        const [innerOp, innerValue] = inner[0] ?? [];
        if (
          inner.length === 1 &&
          (innerOp === 'prefix' || innerOp === 'suffix') &&
          typeof innerValue === 'string'
        ) {
          return;
        }
      }
      throw new FilterPolicyError('Value of anything-but must be an array or single string/number value.');
    case 'numeric':
      validateNumeric(operand);
      return;
    default:
      throw new FilterPolicyError(`Unrecognized match type ${operator}`);
  }
}

function validateNumeric(operand: unknown): void {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new FilterPolicyError('Value of numeric must be an array.');
  }
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const value = operand[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op))
      throw new FilterPolicyError(`Unrecognized numeric range operator: ${String(op)}`);
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new FilterPolicyError('Value of numeric must be numeric.');
  }
  if (operand.length === 4) {
    const [lowOp, low, highOp, high] = operand as [string, number, string, number];
    if (!lowOp.startsWith('>') || !highOp.startsWith('<') || low >= high) {
      throw new FilterPolicyError('Bad numeric range operator');
    }
  }
}

/** Values an attribute contributes to matching; undefined when the attribute is absent. */
function attributeValues(attribute: SnsAttributeValue | undefined): Scalar[] | undefined {
  if (attribute === undefined) return undefined;
  const type = attribute.DataType;
  if (type.startsWith('String.Array')) {
    try {
      const parsed: unknown = JSON.parse(attribute.StringValue ?? '');
      return Array.isArray(parsed) ? parsed.filter(isScalar) : [];
    } catch {
      return [];
    }
  }
  if (type.startsWith('Number')) return [Number(attribute.StringValue)];
  if (type.startsWith('String')) return [attribute.StringValue ?? ''];
  // SNS does not filter on Binary values; the attribute still counts as present for "exists".
  return [];
}

function bodyValues(value: unknown): Scalar[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.filter(isScalar);
  return isScalar(value) ? [value] : [];
}

function matchesScalar(condition: Scalar, value: Scalar): boolean {
  return condition === value;
}

function matchesCondition(condition: unknown, values: Scalar[] | undefined): boolean {
  if (isScalar(condition)) return values?.some((v) => matchesScalar(condition, v)) === true;
  if (!isObject(condition)) return false;
  const [operator, operand] = Object.entries(condition)[0] ?? [];
  if (operator === 'exists') return (values !== undefined) === operand;
  if (values === undefined) return false;
  switch (operator) {
    case 'prefix':
      return values.some((v) => typeof v === 'string' && v.startsWith(operand as string));
    case 'suffix':
      return values.some((v) => typeof v === 'string' && v.endsWith(operand as string));
    case 'equals-ignore-case':
      return values.some(
        (v) => typeof v === 'string' && v.toLowerCase() === (operand as string).toLowerCase(),
      );
    case 'anything-but':
      return values.some((v) => !anythingButExcludes(operand, v));
    case 'numeric':
      return values.some((v) => typeof v === 'number' && matchesNumeric(operand as (string | number)[], v));
    default:
      return false;
  }
}

function anythingButExcludes(operand: unknown, value: Scalar): boolean {
  if (Array.isArray(operand)) return operand.some((o) => o === value);
  if (isObject(operand)) {
    if (typeof value !== 'string') return false;
    if (typeof operand.prefix === 'string') return value.startsWith(operand.prefix);
    if (typeof operand.suffix === 'string') return value.endsWith(operand.suffix);
    return false;
  }
  return operand === value;
}

function matchesNumeric(operand: (string | number)[], value: number): boolean {
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1] as number;
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

function matchesPolicy(policy: Policy, lookup: (key: string) => unknown, nested: boolean): boolean {
  return Object.entries(policy).every(([key, value]) => {
    if (key === '$or') return (value as Policy[]).some((branch) => matchesPolicy(branch, lookup, nested));
    if (Array.isArray(value)) {
      const values = nested
        ? bodyValues(lookup(key))
        : attributeValues(lookup(key) as SnsAttributeValue | undefined);
      return value.some((condition) => matchesCondition(condition, values));
    }
    const child = lookup(key);
    const childLookup = (k: string): unknown => (isObject(child) ? child[k] : undefined);
    return matchesPolicy(value as Policy, childLookup, true);
  });
}

/** Whether a message passes `policy`; absent policy means everything passes. */
export function matchesFilterPolicy(
  policy: Policy | undefined,
  scope: FilterPolicyScope,
  message: { body: string; attributes: Record<string, SnsAttributeValue> },
): boolean {
  if (policy === undefined) return true;
  if (scope === 'MessageAttributes') return matchesPolicy(policy, (key) => message.attributes[key], false);
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    return false;
  }
  if (!isObject(body)) return false;
  const root = body;
  return matchesPolicy(policy, (key) => root[key], true);
}
