import { describe, expect, it } from 'vitest';
import type { Team } from '../../shared/domain/compile.ts';
import { type EscalationStep, escalationStep, recipients } from '../../shared/domain/escalation.ts';
import { basePolicy, examplePolicy, member } from '../helpers/policy-builder.ts';

const MIN = 60_000;
const example = examplePolicy();

/** A ladder exercising every action and a rung with its own window. */
const laddered = basePolicy({
  escalation: {
    ladder: [
      { action: 'notify', notify: ['rep'] },
      { action: 'reassign', notify: ['rep', 'manager'], window: 'PT10M', oldTask: 'keep' },
      { action: 'reassign', notify: [] },
      { action: 'park', queue: 'breach', notify: ['manager', 'director'] },
      { action: 'notify', notify: ['director'], window: 'PT2H' },
    ],
  },
});

describe('escalationStep with the example ladder', () => {
  it("rung 1 reassigns with the tier's window, notifying rep and manager, completing the old task", () => {
    // Prepare
    const tierWindow = 5 * MIN;

    // Act
    const step = escalationStep(example, 1, tierWindow);

    // Assess
    expect(step).toEqual({
      rung: 1,
      action: 'reassign',
      notify: ['rep', 'manager'],
      windowMs: tierWindow,
      oldTask: 'complete',
      channels: ['email', 'sms'],
      summary: 'rung 1: notify rep + manager, reassign to the next eligible rep',
    });
  });

  it('rung 2 parks in the breach queue, notifying manager and director', () => {
    // Prepare
    const tierWindow = 5 * MIN;

    // Act
    const step = escalationStep(example, 2, tierWindow);

    // Assess
    expect(step).toEqual({
      rung: 2,
      action: 'park',
      notify: ['manager', 'director'],
      queue: 'breach',
      oldTask: 'complete',
      channels: ['email', 'sms'],
      summary: 'rung 2: notify manager + director, park in breach',
    });
  });

  it('past the ladder parks in the last park rung queue', () => {
    // Prepare
    const breaches = [3, 4, 10];

    // Act
    const steps = breaches.map((b) => escalationStep(example, b, 5 * MIN));

    // Assess
    for (const step of steps) {
      expect(step).toEqual({
        rung: 2,
        action: 'park',
        notify: ['manager', 'director'],
        queue: 'breach',
        oldTask: 'keep',
        channels: ['email', 'sms'],
        summary: 'ladder exhausted after 2 rungs: park in breach',
      });
    }
  });

  it('treats a breach count below 1 as the first breach', () => {
    // Prepare
    const counts = [0, -3];

    // Act
    const steps = counts.map((c) => escalationStep(example, c, 5 * MIN));

    // Assess
    expect(steps.map((s) => [s.rung, s.action])).toEqual([
      [1, 'reassign'],
      [1, 'reassign'],
    ]);
  });
});

describe('escalationStep with other ladders', () => {
  it("uses the rung's own window for the new owner when it has one", () => {
    // Prepare
    const tierWindow = 5 * MIN;

    // Act
    const step = escalationStep(laddered, 2, tierWindow);

    // Assess
    expect(step).toEqual({
      rung: 2,
      action: 'reassign',
      notify: ['rep', 'manager'],
      windowMs: 10 * MIN,
      oldTask: 'keep',
      channels: ['email', 'sms'],
      summary: 'rung 2: notify rep + manager, reassign to the next eligible rep',
    });
  });

  it('says when a rung notifies nobody', () => {
    // Prepare
    const tierWindow = 15 * MIN;

    // Act
    const step = escalationStep(laddered, 3, tierWindow);

    // Assess
    expect(step.summary).toBe('rung 3: notify nobody, reassign to the next eligible rep');
    expect(step.notify).toEqual([]);
    expect(step.windowMs).toBe(tierWindow);
  });

  it("a notify rung keeps the owner and restarts the tier's window, or its own", () => {
    // Prepare
    const tierWindow = 15 * MIN;

    // Act
    const first = escalationStep(laddered, 1, tierWindow);
    const fifth = escalationStep(laddered, 5, tierWindow);

    // Assess
    expect(first).toEqual({
      rung: 1,
      action: 'notify',
      notify: ['rep'],
      windowMs: tierWindow,
      oldTask: 'keep',
      channels: ['email', 'sms'],
      summary: 'rung 1: notify rep, same owner',
    });
    expect(fifth.windowMs).toBe(2 * 60 * MIN);
    expect(fifth.notify).toEqual(['director']);
  });

  it('past a ladder that ends without parking, parks in the last park rung queue with the last rung notify list', () => {
    // Prepare
    const breach = 6;

    // Act
    const step = escalationStep(laddered, breach, 5 * MIN);

    // Assess
    expect(step).toEqual({
      rung: 5,
      action: 'park',
      notify: ['director'],
      queue: 'breach',
      oldTask: 'keep',
      channels: ['email', 'sms'],
      summary: 'ladder exhausted after 5 rungs: park in breach',
    });
  });

  it('past a ladder with no park rung, parks in the default queue', () => {
    // Prepare
    const policy = basePolicy({ escalation: { ladder: [{ action: 'reassign', notify: ['manager'] }] } });

    // Act
    const step = escalationStep(policy, 2, 5 * MIN);

    // Assess
    expect(step).toEqual({
      rung: 1,
      action: 'park',
      notify: ['manager'],
      queue: 'unassigned',
      oldTask: 'keep',
      channels: ['email', 'sms'],
      summary: 'ladder exhausted after 1 rung: park in unassigned',
    });
  });
});

describe('recipients', () => {
  const policy = basePolicy({
    teams: {
      sales: {
        calendar: 'utc',
        managers: [
          { name: 'Mara', email: 'mara@example.com', phone: '+4915100000001' },
          { name: 'Late Manager', email: 'late@example.com', rungs: [2, 3] },
        ],
        directors: [
          { name: 'Dirk', email: 'dirk@example.com', rungs: [2] },
          { name: 'Dana', email: 'dana@example.com' },
        ],
        members: [
          member('1', { email: 'one@example.com', phone: '+4915100000011' }),
          member('2', { email: 'two@example.com' }),
        ],
      },
    },
  });
  const team = policy.teams.get('sales') as Team;
  const step = (rung: number, notify: EscalationStep['notify']): EscalationStep => ({
    rung,
    action: 'reassign',
    notify,
    oldTask: 'complete',
    channels: ['email', 'sms'],
    summary: '',
  });

  it('reaches the rep (when a member) and every manager without a rung filter on rung 1', () => {
    // Prepare
    const s = step(1, ['rep', 'manager']);

    // Act
    const people = recipients(team, '1', s);

    // Assess
    expect(people).toEqual([
      {
        name: 'Rep 1',
        email: 'one@example.com',
        phone: '+4915100000011',
        channels: ['email', 'sms'],
        role: 'rep',
      },
      { name: 'Mara', email: 'mara@example.com', phone: '+4915100000001', role: 'manager' },
    ]);
  });

  it('honours rungs on managers and directors', () => {
    // Prepare
    const s = step(2, ['manager', 'director']);

    // Act
    const people = recipients(team, '1', s);

    // Assess
    expect(people).toEqual([
      { name: 'Mara', email: 'mara@example.com', phone: '+4915100000001', role: 'manager' },
      { name: 'Late Manager', email: 'late@example.com', rungs: [2, 3], role: 'manager' },
      { name: 'Dirk', email: 'dirk@example.com', rungs: [2], role: 'director' },
      { name: 'Dana', email: 'dana@example.com', role: 'director' },
    ]);
  });

  it('leaves out directors whose rungs exclude this rung', () => {
    // Prepare
    const s = step(3, ['director']);

    // Act
    const people = recipients(team, '1', s);

    // Assess
    expect(people.map((p) => p.name)).toEqual(['Dana']);
  });

  it('reaches no rep when the owner is not a member of the team, nor when the role is not notified', () => {
    // Prepare
    const repOnly = step(1, ['rep']);
    const managerOnly = step(1, ['manager']);

    // Act
    const stranger = recipients(team, '999', repOnly);
    const noOwner = recipients(team, undefined, repOnly);
    const noRep = recipients(team, '1', managerOnly);

    // Assess
    expect(stranger).toEqual([]);
    expect(noOwner).toEqual([]);
    expect(noRep.map((p) => p.role)).toEqual(['manager']);
  });

  it('reaches nobody without a team', () => {
    // Prepare
    const s = step(1, ['rep', 'manager', 'director']);

    // Act
    const people = recipients(undefined, '1', s);

    // Assess
    expect(people).toEqual([]);
  });

  it('with the example policy, the EMEA director is paged only on rung 2', () => {
    // Prepare
    const emea = example.teams.get('emea-sdr') as Team;

    // Act
    const rung1 = recipients(emea, '1002', escalationStep(example, 1, 5 * MIN));
    const rung2 = recipients(emea, '1002', escalationStep(example, 2, 5 * MIN));

    // Assess
    expect(rung1.map((p) => `${p.role}:${p.name}`)).toEqual(['rep:Luca Rossi', 'manager:Mara Keller']);
    expect(rung2.map((p) => `${p.role}:${p.name}`)).toEqual(['manager:Mara Keller', 'director:Dirk Vogel']);
  });
});
