/**
 * A lead on DynamoDB is two items under `LEAD#<id>`: the state item (`SK = LEAD`), which every change
 * rewrites, and the detail item (`SK = LEAD#DETAIL`), written once at capture. DynamoDB charges a write
 * by the whole item (1 WRU per KB, and an update rewrites all of it), and a lead is rewritten about eight
 * times between capture and its status sync: what is written once and read rarely (the input beyond what
 * the reports and the board project, the routing explanation, the first answer, the capture facts) stays
 * out of the rewrites, which keeps the state item under 1 KB. Both items are read together by one Query
 * (`begins_with(SK, 'LEAD')`: the two keys are adjacent), at the read units one GetItem cost.
 *
 * Merge rules (`mergeLead`): the state item wins for every attribute it holds; `input` is the detail's
 * with the state item's fields over it; `trail` and `reasons` are the detail's lines followed by the lines
 * appended since capture, which the state item holds (`<name>Keep` set when a change rewrote the head).
 * A state item without the `detail` flag was written before the split (or by hand) and holds everything:
 * it reads as it always did.
 */
import type { LeadPatch, LeadRecord } from '../app/ports.ts';

/** Sort key of the detail item. */
export const DETAIL_SK = 'LEAD#DETAIL';

/** The state item's flag: this lead has a detail item. */
export const DETAIL_FLAG = 'detail';

/**
 * Attributes written once at capture (or changed rarely: a change writes the new value to the state item,
 * where it overrides the detail's), never projected by an index, the reports or the board.
 */
export const COLD_ATTRIBUTES = [
  'input',
  'dedupeKey',
  'response',
  'reasons',
  'trail',
  'domain',
  'freeMail',
  'targetAccount',
  'systemDelayMs',
  'lateArrival',
  'previousLeadId',
  'remindAt',
  'windowMs',
  'tierRank',
  'calendarId',
  'slaDueAt',
] as const satisfies readonly (keyof LeadRecord)[];

const COLD: ReadonlySet<string> = new Set(COLD_ATTRIBUTES);

/** List attributes the state item extends after capture (a reassignment's routing lines, a repeat inquiry's reasons). */
export const APPENDED = ['trail', 'reasons'] as const;

/**
 * Input fields kept on the state item too: the ones period reads project (REPORT_ATTRIBUTES and
 * BOARD_ATTRIBUTES, `input.*`), so a report or the board reads one item per lead.
 */
export const HOT_INPUT = [
  'channel',
  'formId',
  'formTitle',
  'firstName',
  'lastName',
  'email',
  'company',
] as const;

/** State-item attributes that are bookkeeping of the split, not lead fields. */
export const SPLIT_ATTRIBUTES = [DETAIL_FLAG, ...APPENDED.map((a) => `${a}Keep`)] as const;

type Raw = Record<string, unknown>;

/** The two items of a new lead: the state item's attributes (with the flag) and the detail's. */
export function splitLead(lead: LeadRecord): { state: Raw; detail: Raw } {
  const state: Raw = { [DETAIL_FLAG]: true };
  const detail: Raw = {};
  for (const [k, v] of Object.entries(lead)) {
    if (v === undefined) continue;
    if (COLD.has(k)) detail[k] = v;
    else state[k] = v;
  }
  const hotInput = Object.fromEntries(
    HOT_INPUT.flatMap((k) => (lead.input[k] === undefined ? [] : [[k, lead.input[k]]])),
  );
  state.input = hotInput;
  return { state, detail };
}

/** Whether the stored state item has a detail item. */
export function hasDetail(state: Raw): boolean {
  return state[DETAIL_FLAG] === true;
}

/**
 * The lead record from its stored items (keys already removed). `detail` is undefined for a lead written
 * before the split; a cold attribute set to null on the state item was removed by a change.
 */
export function mergeLead(state: Raw, detail: Raw | undefined): LeadRecord {
  const out: Raw = hasDetail(state) && detail ? { ...detail, ...state } : { ...state };
  if (hasDetail(state) && detail) {
    out.input = { ...(detail.input as Raw | undefined), ...(state.input as Raw | undefined) };
    for (const name of APPENDED) {
      const head = (detail[name] as unknown[] | undefined) ?? [];
      const keep = state[`${name}Keep`];
      const tail = (state[name] as unknown[] | undefined) ?? [];
      out[name] = [...head.slice(0, typeof keep === 'number' ? keep : head.length), ...tail];
    }
  }
  for (const k of SPLIT_ATTRIBUTES) delete out[k];
  for (const k of COLD) if (out[k] === null) delete out[k];
  return out as unknown as LeadRecord;
}

/**
 * What a change writes to the state item of a lead with a detail item: appended lists as the lines after
 * the detail's (or, when the head changed, the whole list and how much of the detail's head to keep: none);
 * a removed cold attribute as null, so the detail's value no longer shows.
 */
export function statePatch(patch: LeadPatch, detail: Raw | undefined): Raw {
  const out: Raw = { ...patch };
  if (!detail) return out;
  for (const name of APPENDED) {
    if (!(name in patch)) continue;
    const next = (patch[name] ?? []) as unknown[];
    const head = (detail[name] as unknown[] | undefined) ?? [];
    const extends_ = head.length <= next.length && head.every((x, i) => x === next[i]);
    const tail = extends_ ? next.slice(head.length) : next;
    out[name] = tail.length ? tail : null;
    out[`${name}Keep`] = extends_ ? null : 0;
  }
  for (const [k, v] of Object.entries(patch))
    if (v === null && COLD.has(k) && !(APPENDED as readonly string[]).includes(k)) out[k] = NULL_MARK;
  return out;
}

/** A cold attribute removed on the state item: written as DynamoDB NULL, so it hides the detail's value. */
export const NULL_MARK = Symbol('null');

/** Attributes of a stored item that are keys, not lead fields. */
export const KEY_ATTRIBUTES = [
  'PK',
  'SK',
  'GSI1PK',
  'GSI1SK',
  'GSI2PK',
  'GSI2SK',
  'GSI3PK',
  'GSI3SK',
  'expiresAt',
] as const;

/** Drops the key attributes of an unmarshalled item, in place. */
export function withoutKeys(raw: Raw): Raw {
  for (const k of KEY_ATTRIBUTES) delete raw[k];
  return raw;
}

/** The keys to BatchGet for `ids`: each lead's state item and, with `detail`, its detail item. */
export function leadItemKeys(ids: readonly string[], detail: boolean) {
  return ids.flatMap((id) => [
    { PK: { S: `LEAD#${id}` }, SK: { S: 'LEAD' } },
    ...(detail ? [{ PK: { S: `LEAD#${id}` }, SK: { S: DETAIL_SK } }] : []),
  ]);
}

/** Lead records from unmarshalled state and detail items (any order), by lead id; details without a state item are left out. */
export function mergeItems(items: readonly Raw[]): Map<string, LeadRecord> {
  const states = new Map<string, Raw>();
  const details = new Map<string, Raw>();
  for (const item of items) {
    const pk = String(item.PK);
    (item.SK === DETAIL_SK ? details : states).set(pk, item);
  }
  const out = new Map<string, LeadRecord>();
  for (const [pk, state] of states) {
    const detail = details.get(pk);
    const lead = mergeLead(withoutKeys({ ...state }), detail && withoutKeys({ ...detail }));
    out.set(lead.leadId, lead);
  }
  return out;
}
