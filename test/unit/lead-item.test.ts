import { describe, expect, it } from 'vitest';
import { BOARD_ATTRIBUTES } from '../../shared/adapters/dynamodb-audit.ts';
import { needsDetail, REPORT_ATTRIBUTES } from '../../shared/adapters/dynamodb-report.ts';
import {
  COLD_ATTRIBUTES,
  HOT_INPUT,
  mergeItems,
  mergeLead,
  NULL_MARK,
  splitLead,
  statePatch,
} from '../../shared/adapters/lead-item.ts';
import { DAY_ATTRIBUTES, DUE_ATTRIBUTES, SYNC_ATTRIBUTES } from '../../shared/adapters/table.ts';
import { lead } from './kpi-fixtures.ts';

const sample = () =>
  lead({
    leadId: 'L1',
    submittedAt: '2030-01-07T09:00:00.000Z',
    input: {
      email: 'jane@example.com',
      firstName: 'Jane',
      lastName: 'Doe',
      company: 'Acme',
      phone: '+4930123456',
      channel: 'form',
      intent: 'demo',
      formId: 'f-1',
      pageUrl: 'https://example.com/demo',
      submittedAt: '2030-01-07T09:00:00.000Z',
      partial: false,
    },
    reasons: ['intent demo → hot'],
    trail: ['rule emea: matched → team emea', 'chosen o1 (round robin)'],
    remindAt: '2030-01-07T09:03:00.000Z',
  });

describe('the lead as a state item and a detail item', () => {
  it('splits a lead so that merging the two items gives it back', () => {
    // Prepare
    const l = sample();

    // Act
    const { state, detail } = splitLead(l);

    // Assess
    expect(mergeLead(state, detail)).toEqual(l);
    expect(state.detail).toBe(true);
    expect(state.input).toEqual({
      channel: 'form',
      formId: 'f-1',
      firstName: 'Jane',
      lastName: 'Doe',
      email: 'jane@example.com',
      company: 'Acme',
    });
    for (const k of ['trail', 'reasons', 'response', 'dedupeKey', 'remindAt', 'windowMs'])
      expect(state).not.toHaveProperty(k);
    expect(detail.input).toEqual(l.input);
  });

  it('reads an item written before the split as it was', () => {
    // Prepare
    const l = sample();

    // Act
    const read = mergeLead({ ...l }, undefined);

    // Assess
    expect(read).toEqual(l);
  });

  it('writes appended routing lines as the lines after the detail, and reads the whole list back', () => {
    // Prepare
    const l = sample();
    const { state, detail } = splitLead(l);
    const trail = [...l.trail, 'breach rung 1: reassigned', 'chosen o2 (round robin)'];

    // Act
    const writes = statePatch({ trail, ownerId: 'o2' }, detail);

    // Assess
    expect(writes).toEqual({
      trail: ['breach rung 1: reassigned', 'chosen o2 (round robin)'],
      trailKeep: null,
      ownerId: 'o2',
    });
    expect(mergeLead({ ...state, ...writes, trailKeep: undefined }, detail).trail).toEqual(trail);
  });

  it('keeps none of the detail when a change rewrites the head of a list', () => {
    // Prepare
    const l = sample();
    const { state, detail } = splitLead(l);

    // Act
    const writes = statePatch({ reasons: ['reset'] }, detail);

    // Assess
    expect(writes).toEqual({ reasons: ['reset'], reasonsKeep: 0 });
    expect(mergeLead({ ...state, ...writes }, detail).reasons).toEqual(['reset']);
  });

  it('hides a removed cold attribute behind a null on the state item', () => {
    // Prepare
    const l = sample();
    const { state, detail } = splitLead(l);

    // Act
    const writes = statePatch({ remindAt: null, escalationRung: null }, detail);

    // Assess
    expect(writes).toEqual({ remindAt: NULL_MARK, escalationRung: null });
    expect(mergeLead({ ...state, remindAt: null }, detail)).not.toHaveProperty('remindAt');
  });

  it('leaves a change to a lead written before the split as it is', () => {
    // Act
    const writes = statePatch({ trail: ['a'], remindAt: null }, undefined);

    // Assess
    expect(writes).toEqual({ trail: ['a'], remindAt: null });
  });

  it('merges unmarshalled items of several leads, in any order, and drops keys and details without a lead', () => {
    // Prepare
    const a = splitLead(sample());
    const b = lead({ leadId: 'L2', submittedAt: '2030-01-07T10:00:00.000Z' });
    const items = [
      { PK: 'LEAD#L1', SK: 'LEAD#DETAIL', ...a.detail },
      { PK: 'LEAD#L2', SK: 'LEAD', GSI2PK: 'DAY#2030-01-07#3', GSI2SK: 'x', ...b },
      { PK: 'LEAD#L1', SK: 'LEAD', GSI1PK: 'DUE#2030-01-07#1', GSI1SK: 'y', ...a.state },
      { PK: 'LEAD#L3', SK: 'LEAD#DETAIL', ...a.detail },
    ];

    // Act
    const found = mergeItems(items);

    // Assess
    expect([...found.keys()].sort()).toEqual(['L1', 'L2']);
    expect(found.get('L1')).toEqual(sample());
    expect(found.get('L2')).toEqual(b);
  });
});

describe('what stays on the state item', () => {
  it('holds every attribute an index projects', () => {
    // Assess
    const cold = new Set<string>(COLD_ATTRIBUTES);
    for (const a of [...DUE_ATTRIBUTES, ...DAY_ATTRIBUTES, ...SYNC_ATTRIBUTES])
      expect(cold.has(a)).toBe(false);
  });

  it('holds every attribute the KPIs and the board read, so a period read takes one item per lead', () => {
    // Assess
    expect(needsDetail(REPORT_ATTRIBUTES)).toBe(false);
    expect(needsDetail(BOARD_ATTRIBUTES)).toBe(false);
    const inputPaths = [...REPORT_ATTRIBUTES, ...BOARD_ATTRIBUTES]
      .filter((p) => p.startsWith('input.'))
      .map((p) => p.slice(6));
    expect([...HOT_INPUT].sort()).toEqual([...new Set(inputPaths)].sort());
    expect(needsDetail(['leadId', 'trail'])).toBe(true);
    expect(needsDetail(['input.phone'])).toBe(true);
  });
});
