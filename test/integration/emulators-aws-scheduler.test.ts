import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { SchedulerEmulator, type SchedulerEmulatorOptions } from '../../infra/local/aws/scheduler.ts';

const TARGET_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:sla-breach';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/scheduler';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:sla-breach-dlq';

const running: SchedulerEmulator[] = [];

async function setup(
  options: SchedulerEmulatorOptions = {},
): Promise<{ emu: SchedulerEmulator; client: SchedulerClient }> {
  const emu = await SchedulerEmulator.start(options);
  running.push(emu);
  const client = new SchedulerClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  return { emu, client };
}

/** A manual-mode emulator whose clock the test moves. */
async function setupManual(
  startAt: number,
  options: SchedulerEmulatorOptions = {},
): Promise<{ emu: SchedulerEmulator; client: SchedulerClient; clock: { now: number } }> {
  const clock = { now: startAt };
  const { emu, client } = await setup({ autoFire: false, now: () => clock.now, ...options });
  return { emu, client, clock };
}

const schedule = (
  name: string,
  overrides: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput => ({
  Name: name,
  ScheduleExpression: 'at(2030-01-01T10:00:05)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ leadId: name }) },
  ...overrides,
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((emu) => emu.close()));
});

describe('Scheduler emulator API', () => {
  it('creates, gets and deletes a schedule, keeping Input, RetryPolicy and DeadLetterConfig', async () => {
    // Prepare
    const { client } = await setup({ autoFire: false });
    const input = schedule('lead-1', {
      ScheduleExpressionTimezone: 'Europe/Paris',
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: TARGET_ARN,
        RoleArn: ROLE_ARN,
        Input: '{"leadId":"lead-1","attempt":1}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: DLQ_ARN },
      },
    });

    // Act
    const created = await client.send(new CreateScheduleCommand(input));
    const got = await client.send(new GetScheduleCommand({ Name: 'lead-1' }));
    await client.send(new DeleteScheduleCommand({ Name: 'lead-1' }));

    // Assess
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/default/lead-1');
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 'lead-1',
      GroupName: 'default',
      ScheduleExpression: 'at(2030-01-01T10:00:05)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: TARGET_ARN,
        RoleArn: ROLE_ARN,
        Input: '{"leadId":"lead-1","attempt":1}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: DLQ_ARN },
      },
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    await expect(client.send(new GetScheduleCommand({ Name: 'lead-1' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('rejects an invalid name, malformed expressions and a missing FlexibleTimeWindow with ValidationException', async () => {
    // Prepare
    const { client, emu } = await setup({ autoFire: false });
    const bad: CreateScheduleCommandInput[] = [
      schedule('bad name!'),
      schedule('x'.repeat(65)),
      schedule('ok', { ScheduleExpression: 'at(2030-13-01T10:00:00)' }),
      schedule('ok', { ScheduleExpression: 'at(2030-02-30T10:00:00)' }),
      schedule('ok', { ScheduleExpression: 'at(2030-01-01 10:00:00)' }),
      schedule('ok', { ScheduleExpression: 'rate(0 minutes)' }),
      schedule('ok', { ScheduleExpression: 'cron(0 10 * * * *)' }),
      schedule('ok', { ScheduleExpressionTimezone: 'Mars/Olympus' }),
      schedule('ok', { FlexibleTimeWindow: undefined }),
      schedule('ok', { FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }),
      schedule('ok', { Target: { Arn: TARGET_ARN, RoleArn: undefined as unknown as string } }),
      schedule('ok', { ActionAfterCompletion: 'ARCHIVE' as 'DELETE' }),
      schedule('ok', { GroupName: 'bad/group' }),
    ];

    // Act
    const outcomes = await Promise.allSettled(
      bad.map((input) => client.send(new CreateScheduleCommand(input))),
    );

    // Assess
    outcomes.forEach((outcome, i) => {
      expect(outcome.status, `case ${i}`).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as ValidationException;
      expect(reason, `case ${i}`).toBeInstanceOf(ValidationException);
      expect(reason.$metadata.httpStatusCode, `case ${i}`).toBe(400);
    });
    expect(emu.schedules()).toEqual([]);
  });

  it('accepts well-formed rate() and cron() expressions without firing them', async () => {
    // Prepare
    const { client, emu } = await setupManual(Date.UTC(2030, 0, 1));

    // Act
    await client.send(
      new CreateScheduleCommand(schedule('every-5', { ScheduleExpression: 'rate(5 minutes)' })),
    );
    await client.send(
      new CreateScheduleCommand(schedule('weekday', { ScheduleExpression: 'cron(0 9 ? * MON-FRI *)' })),
    );
    const fired = await emu.fireDue(Date.UTC(2031, 0, 1));

    // Assess
    expect(emu.schedules().map((s) => s.name)).toEqual(['every-5', 'weekday']);
    expect(fired).toBe(0);
  });

  it('raises ConflictException (409) for a duplicate name and replays a reused ClientToken', async () => {
    // Prepare
    const { client } = await setup({ autoFire: false });
    const first = await client.send(
      new CreateScheduleCommand(schedule('lead-2', { ClientToken: 'token-1' })),
    );

    // Act
    const replay = await client.send(
      new CreateScheduleCommand(schedule('lead-2', { ClientToken: 'token-1' })),
    );
    const duplicate = await client
      .send(new CreateScheduleCommand(schedule('lead-2')))
      .catch((e: unknown) => e);
    const mismatch = await client
      .send(new CreateScheduleCommand(schedule('lead-2', { ClientToken: 'token-1', Description: 'changed' })))
      .catch((e: unknown) => e);

    // Assess
    expect(replay.ScheduleArn).toBe(first.ScheduleArn);
    expect(duplicate).toBeInstanceOf(ConflictException);
    expect(duplicate).toMatchObject({ $metadata: { httpStatusCode: 409 } });
    expect(mismatch).toBeInstanceOf(ConflictException);
  });

  it('requires the group to exist, except default', async () => {
    // Prepare
    const { client } = await setup({ autoFire: false });

    // Act
    const missingGroup = await client
      .send(new CreateScheduleCommand(schedule('lead-3', { GroupName: 'sla' })))
      .catch((e: unknown) => e);
    const group = await client.send(new CreateScheduleGroupCommand({ Name: 'sla' }));
    const created = await client.send(new CreateScheduleCommand(schedule('lead-3', { GroupName: 'sla' })));
    const fetchedGroup = await client.send(new GetScheduleGroupCommand({ Name: 'sla' }));
    const listed = await client.send(new ListSchedulesCommand({ GroupName: 'sla' }));

    // Assess
    expect(missingGroup).toBeInstanceOf(ResourceNotFoundException);
    expect(group.ScheduleGroupArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule-group/sla');
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/sla/lead-3');
    expect(fetchedGroup).toMatchObject({ Name: 'sla', State: 'ACTIVE', Arn: group.ScheduleGroupArn });
    expect(listed.Schedules?.map((s) => [s.GroupName, s.Name, s.Target?.Arn])).toEqual([
      ['sla', 'lead-3', TARGET_ARN],
    ]);
    await expect(client.send(new CreateScheduleGroupCommand({ Name: 'sla' }))).rejects.toBeInstanceOf(
      ConflictException,
    );
    await expect(client.send(new GetScheduleGroupCommand({ Name: 'nope' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('raises ResourceNotFoundException for update and delete of a missing schedule', async () => {
    // Prepare
    const { client } = await setup({ autoFire: false });

    // Act
    const update = await client.send(new UpdateScheduleCommand(schedule('ghost'))).catch((e: unknown) => e);
    const remove = await client.send(new DeleteScheduleCommand({ Name: 'ghost' })).catch((e: unknown) => e);

    // Assess
    expect(update).toBeInstanceOf(ResourceNotFoundException);
    expect(remove).toBeInstanceOf(ResourceNotFoundException);
    expect(remove).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('answers ThrottlingException (429) for the configured share of calls', async () => {
    // Prepare
    const rolls = [0.05, 0.95];
    const { client } = await setup({ autoFire: false, throttleRate: 0.1, random: () => rolls.shift() ?? 1 });

    // Act
    const throttled = await client.send(new ListSchedulesCommand({})).catch((e: unknown) => e);
    const allowed = await client.send(new ListSchedulesCommand({}));

    // Assess
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled).toMatchObject({ $metadata: { httpStatusCode: 429 } });
    expect(allowed.Schedules).toEqual([]);
  });
});

describe('Scheduler emulator firing', () => {
  it('fires an at() schedule within its minute, before its seconds at the earliest, in its time zone, with the Input passed through', async () => {
    // Prepare: AWS invokes "between 1:00:00 and 1:00:59" for 1:00; the jitter puts this one at the very start.
    const due = Date.UTC(2030, 0, 1, 15, 0, 5); // 10:00:05 in New York (UTC-5 in January)
    const minuteStart = Date.UTC(2030, 0, 1, 15, 0, 0);
    const { client, emu } = await setupManual(due - 60_000, { jitter: () => 0 });
    const calls: { input: string; scheduleName: string; groupName: string }[] = [];
    emu.registerTarget(TARGET_ARN, (input, meta) => {
      calls.push({ input, scheduleName: meta.scheduleName, groupName: meta.groupName });
    });
    await client.send(
      new CreateScheduleCommand(schedule('lead-4', { ScheduleExpressionTimezone: 'America/New_York' })),
    );

    // Act
    const beforeMinute = await emu.fireDue(minuteStart - 1);
    const beforeSeconds = await emu.fireDue(minuteStart);
    const again = await emu.fireDue(due + 5_000);

    // Assess
    expect([beforeMinute, beforeSeconds, again]).toEqual([0, 1, 0]);
    expect(calls).toEqual([{ input: '{"leadId":"lead-4"}', scheduleName: 'lead-4', groupName: 'default' }]);
    expect(emu.get('default', 'lead-4')).toMatchObject({ dueAt: due, fireAt: minuteStart, fired: true });
  });

  it('fires anywhere within the minute by default, never outside it', async () => {
    // Prepare
    const due = Date.UTC(2030, 0, 1, 10, 0, 5);
    const { client, emu } = await setupManual(due - 60_000);
    emu.registerTarget(TARGET_ARN, () => undefined);
    for (let i = 0; i < 40; i++) await client.send(new CreateScheduleCommand(schedule(`spread-${i}`)));

    // Act
    const fireTimes = emu.schedules().map((s) => s.fireAt as number);

    // Assess
    const start = Date.UTC(2030, 0, 1, 10, 0, 0);
    expect(fireTimes.every((t) => t >= start && t < start + 60_000)).toBe(true);
    expect(fireTimes.some((t) => t < due)).toBe(true);
    expect(fireTimes.some((t) => t > due)).toBe(true);
  });

  it('deletes a DELETE-after-completion schedule once fired, so DeleteSchedule raises ResourceNotFoundException', async () => {
    // Prepare
    const due = Date.UTC(2030, 0, 1, 10, 0, 5);
    const { client, emu } = await setupManual(due + 60_000);
    emu.registerTarget(TARGET_ARN, () => undefined);
    await client.send(new CreateScheduleCommand(schedule('lead-5', { ActionAfterCompletion: 'DELETE' })));
    await client.send(new CreateScheduleCommand(schedule('lead-6', { ActionAfterCompletion: 'NONE' })));

    // Act
    await emu.fireDue();
    const deleteFired = await client
      .send(new DeleteScheduleCommand({ Name: 'lead-5' }))
      .catch((e: unknown) => e);

    // Assess
    expect(deleteFired).toBeInstanceOf(ResourceNotFoundException);
    expect(emu.schedules().map((s) => s.name)).toEqual(['lead-6']);
    expect(emu.fired.filter((f) => f.ok).map((f) => f.scheduleName)).toEqual(['lead-5', 'lead-6']);
  });

  it('fires a past at() schedule at once on its own (auto-fire with the real clock)', async () => {
    // Prepare
    const { client, emu } = await setup({ tickMs: 20 });
    const received = new Promise<string>((resolve) =>
      emu.registerTarget(TARGET_ARN, (input) => resolve(input)),
    );
    const startedAt = Date.now();

    // Act
    await client.send(
      new CreateScheduleCommand(schedule('overdue', { ScheduleExpression: 'at(2020-01-01T00:00:00)' })),
    );
    const input = await received;

    // Assess
    expect(input).toBe('{"leadId":"overdue"}');
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('with the minute scaled down to a second, fires a schedule due in about a second within that second', async () => {
    // Prepare
    const { client, emu } = await setup({ tickMs: 20, precisionMs: 1000 });
    const fireAt = Math.ceil((Date.now() + 300) / 1000) * 1000;
    const expression = `at(${new Date(fireAt).toISOString().slice(0, 19)})`;
    const firedAt = new Promise<number>((resolve) =>
      emu.registerTarget(TARGET_ARN, () => resolve(Date.now())),
    );

    // Act
    await client.send(new CreateScheduleCommand(schedule('soon', { ScheduleExpression: expression })));
    const at = await firedAt;

    // Assess
    expect(at).toBeGreaterThanOrEqual(fireAt);
    expect(at - fireAt).toBeLessThan(1_500);
  });

  it('delivers every firing twice when deliverTwice is set', async () => {
    // Prepare
    const { client, emu } = await setupManual(Date.UTC(2030, 0, 2), { deliverTwice: true });
    const inputs: string[] = [];
    emu.registerTarget(TARGET_ARN, (input) => {
      inputs.push(input);
    });
    await client.send(new CreateScheduleCommand(schedule('lead-7', { ActionAfterCompletion: 'DELETE' })));

    // Act
    await emu.fireDue();

    // Assess
    expect(inputs).toEqual(['{"leadId":"lead-7"}', '{"leadId":"lead-7"}']);
    expect(emu.fired.map((f) => [f.delivery, f.ok])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(emu.get('default', 'lead-7')).toBeUndefined();
  });

  it('retries a failing target per RetryPolicy, then records a dead letter', async () => {
    // Prepare
    const { client, emu } = await setupManual(Date.UTC(2030, 0, 2), { retryBaseDelayMs: 5 });
    let calls = 0;
    emu.registerTarget(TARGET_ARN, () => {
      calls++;
      throw new Error('HubSpot is down');
    });
    await client.send(
      new CreateScheduleCommand(
        schedule('lead-8', {
          Target: {
            Arn: TARGET_ARN,
            RoleArn: ROLE_ARN,
            Input: '{"leadId":"lead-8"}',
            RetryPolicy: { MaximumRetryAttempts: 2 },
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        }),
      ),
    );

    // Act
    await emu.fireDue();

    // Assess
    expect(calls).toBe(3);
    expect(emu.fired.map((f) => [f.attempt, f.ok])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    expect(emu.deadLetters).toEqual([
      expect.objectContaining({
        scheduleName: 'lead-8',
        deadLetterArn: DLQ_ARN,
        input: '{"leadId":"lead-8"}',
        attempts: 3,
        error: 'HubSpot is down',
      }),
    ]);
  });

  it('stops retrying once the target succeeds, without a dead letter', async () => {
    // Prepare
    const { client, emu } = await setupManual(Date.UTC(2030, 0, 2), { retryBaseDelayMs: 5 });
    let calls = 0;
    emu.registerTarget(TARGET_ARN, (_input, meta) => {
      calls++;
      if (meta.attempt === 1) throw new Error('transient');
    });
    await client.send(
      new CreateScheduleCommand(
        schedule('lead-9', {
          Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, DeadLetterConfig: { Arn: DLQ_ARN } },
        }),
      ),
    );

    // Act
    await emu.fireDue();

    // Assess
    expect(calls).toBe(2);
    expect(emu.fired.map((f) => [f.attempt, f.ok, f.input])).toEqual([
      [1, false, '{}'],
      [2, true, '{}'],
    ]);
    expect(emu.deadLetters).toEqual([]);
  });

  it('re-arms a fired schedule when UpdateSchedule moves its time', async () => {
    // Prepare
    const { client, emu, clock } = await setupManual(Date.UTC(2030, 0, 1, 10, 0, 5), { jitter: () => 0 });
    let calls = 0;
    emu.registerTarget(TARGET_ARN, () => {
      calls++;
    });
    await client.send(new CreateScheduleCommand(schedule('lead-10')));
    await emu.fireDue();

    // Act
    await client.send(
      new UpdateScheduleCommand(schedule('lead-10', { ScheduleExpression: 'at(2030-01-01T10:01:09)' })),
    );
    const beforeNewTime = await emu.fireDue();
    clock.now = Date.UTC(2030, 0, 1, 10, 1, 0);
    const atNewTime = await emu.fireDue();

    // Assess
    expect([beforeNewTime, atNewTime]).toEqual([0, 1]);
    expect(calls).toBe(2);
  });

  it('does not fire a DISABLED schedule', async () => {
    // Prepare
    const { client, emu } = await setupManual(Date.UTC(2031, 0, 1));
    emu.registerTarget(TARGET_ARN, () => undefined);
    await client.send(new CreateScheduleCommand(schedule('paused', { State: 'DISABLED' })));

    // Act
    const fired = await emu.fireDue();

    // Assess
    expect(fired).toBe(0);
    expect(emu.fired).toEqual([]);
  });
});
