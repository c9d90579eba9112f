import { describe, expect, it } from 'vitest';
import { audienceIssues, subscriptionsOf } from '../../shared/domain/subscriptions.ts';
import { basePolicy, examplePolicy, member } from '../helpers/policy-builder.ts';

const mae = { name: 'Mae Manager', email: 'mae.manager@example.com' };

describe('every message kind has an audience', () => {
  it('finds none missing in the example policy', () => {
    expect(audienceIssues(examplePolicy())).toEqual([]);
  });

  it('names defaults.team when no team has a manager, so alerts of leads outside every team reach nobody', () => {
    const issues = audienceIssues(basePolicy());
    expect(issues.map((i) => i.path)).toEqual(['defaults.team']);
  });

  it('names the rung and team whose breach page reaches nobody', () => {
    const policy = basePolicy({
      teams: {
        sales: { calendar: 'utc', managers: [mae], members: [member('1', { email: 'r1@example.com' })] },
        quiet: { calendar: 'utc', members: [member('2')] },
      },
      escalation: { ladder: [{ action: 'reassign', notify: ['rep'] }] },
    });
    expect(audienceIssues(policy)).toEqual([
      { path: 'escalation.ladder[0].notify', message: 'breach page (rung 1): reaches nobody for team quiet' },
    ]);
  });

  it('lets the ops team’s manager hear the teams with no manager of their own, and leads outside every team', () => {
    const policy = basePolicy({
      defaults: { calendar: 'utc', queue: 'unassigned', team: 'sales' },
      teams: {
        sales: { calendar: 'utc', managers: [mae], members: [member('1', { email: 'r1@example.com' })] },
        quiet: { calendar: 'utc', members: [member('2', { email: 'r2@example.com' })] },
      },
    });
    const maeSub = subscriptionsOf(policy).find((s) => s.endpoint === mae.email);
    expect(maeSub?.filterPolicy).toEqual({
      $or: [
        { teamId: ['sales'], audience: ['manager'] },
        { teamId: ['quiet'], audience: ['manager'] },
      ],
    });
    expect(audienceIssues(policy)).toEqual([]);
  });

  it('refuses defaults.team naming no team', () => {
    expect(() => basePolicy({ defaults: { calendar: 'utc', queue: 'unassigned', team: 'nope' } })).toThrow(
      /defaults\.team: unknown team 'nope'/,
    );
  });
});
