import { describe, expect, it } from 'vitest';
import {
  CLOCK_RUNNING,
  canTransition,
  InvalidTransitionError,
  LEAD_STATES,
  type LeadState,
  nextStates,
  transition,
} from '../../shared/domain/lead.ts';

/**
 * The machine as ARCHITECTURE.md describes it, written out independently of lead.ts. An unroutable lead
 * (default queue, alert raised) runs a clock too, owed by the queue, so it can breach.
 */
const ALLOWED: Record<LeadState, LeadState[]> = {
  received: ['routed', 'unroutable'],
  routed: ['routed', 'touched', 'breached', 'accepted', 'rejected', 'recycled'],
  breached: ['reassigned', 'parked', 'touched', 'accepted', 'rejected', 'recycled'],
  reassigned: ['routed', 'parked', 'touched'],
  parked: ['routed', 'touched', 'accepted', 'rejected', 'recycled'],
  unroutable: ['routed', 'touched', 'breached', 'accepted', 'rejected', 'recycled'],
  touched: ['accepted', 'rejected', 'recycled'],
  accepted: ['recycled', 'rejected'],
  rejected: [],
  recycled: [],
};

const allowedPairs = LEAD_STATES.flatMap((from) => ALLOWED[from].map((to) => [from, to] as const));
const refusedPairs = LEAD_STATES.flatMap((from) =>
  LEAD_STATES.filter((to) => !ALLOWED[from].includes(to)).map((to) => [from, to] as const),
);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('lead state machine', () => {
  it.each(allowedPairs)('allows %s → %s', (from, to) => {
    // Prepare
    const current: LeadState = from;

    // Act
    const next = transition(current, to);

    // Assess
    expect(next).toBe(to);
    expect(canTransition(from, to)).toBe(true);
  });

  it.each(refusedPairs)('refuses %s → %s with InvalidTransitionError', (from, to) => {
    // Prepare
    const current: LeadState = from;

    // Act
    const error = thrown(() => transition(current, to));

    // Assess
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect(error).toMatchObject({
      name: 'InvalidTransitionError',
      from,
      to,
      message: `a lead cannot go from '${from}' to '${to}'`,
    });
    expect(canTransition(from, to)).toBe(false);
  });

  it('lists exactly the allowed next states of every state', () => {
    // Prepare
    const states = LEAD_STATES;

    // Act
    const table = Object.fromEntries(states.map((s) => [s, [...nextStates(s)].sort()]));

    // Assess
    expect(table).toEqual(Object.fromEntries(states.map((s) => [s, [...ALLOWED[s]].sort()])));
  });

  it('gives the terminal states no exits', () => {
    // Prepare
    const terminal: LeadState[] = ['rejected', 'recycled'];

    // Act
    const exits = terminal.map((s) => [...nextStates(s)]);

    // Assess
    expect(exits).toEqual([[], []]);
    expect(LEAD_STATES.filter((s) => nextStates(s).length === 0)).toEqual(terminal);
  });

  it('never leads back to received', () => {
    // Prepare
    const states = LEAD_STATES;

    // Act
    const into = states.filter((s) => canTransition(s, 'received'));

    // Assess
    expect(into).toEqual([]);
  });

  it('reaches every state from received', () => {
    // Prepare
    const seen = new Set<LeadState>(['received']);
    const queue: LeadState[] = ['received'];

    // Act
    while (queue.length) {
      const s = queue.shift() as LeadState;
      for (const n of nextStates(s)) {
        if (seen.has(n)) continue;
        seen.add(n);
        queue.push(n);
      }
    }

    // Assess
    expect([...seen].sort()).toEqual([...LEAD_STATES].sort());
  });

  it('runs the clock exactly while a first touch is owed', () => {
    // Prepare
    const states = LEAD_STATES;

    // Act
    const running = states.filter((s) => CLOCK_RUNNING.has(s));

    // Assess
    expect(running).toEqual(['routed', 'breached', 'reassigned', 'unroutable']);
  });

  it('follows the breach path: routed → breached → reassigned → routed → breached → parked → routed → touched → accepted', () => {
    // Prepare
    const path: LeadState[] = [
      'received',
      'routed',
      'breached',
      'reassigned',
      'routed',
      'breached',
      'parked',
      'routed',
      'touched',
      'accepted',
    ];

    // Act
    let state = path[0] as LeadState;
    for (const to of path.slice(1)) state = transition(state, to);

    // Assess
    expect(state).toBe('accepted');
  });
});
