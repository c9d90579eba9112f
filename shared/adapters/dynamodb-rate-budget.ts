/**
 * One HubSpot request budget per portal, shared by every function and Lambda instance: a token bucket
 * per limit (`general`, `search`) in the single table, updated with single-item conditional writes.
 *
 * Item `PK = RATE#<scope>`, `SK = BUCKET#<kind>`: `tokens` left at `at` (epoch ms), `pausedUntil` (a 429's
 * `Retry-After` holds every caller), `version` (the optimistic lock). A caller reads the item (strongly
 * consistent), refills it from the elapsed time, and reserves up to `maxLease` tokens with a write that
 * succeeds only if nobody wrote since. The level may go negative (up to 2 s of refill): the caller then
 * sleeps until its tokens are earned, without reading again, so waiting costs no DynamoDB traffic. Leased tokens are spent in this instance within `leaseMs` or dropped,
 * so one DynamoDB round trip serves several requests without letting a slow instance hoard the budget.
 *
 * The bucket keeps the budget's promise, "at most `max` in any `intervalMs`": with capacity C (a twentieth
 * of `max`, at least 1) and a refill of `(max - C) / (intervalMs + leaseMs)`, any window of `intervalMs` sees
 * at most C + rate × (intervalMs + leaseMs) = `max` requests, wherever the leased tokens are spent.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { RateBudget, RateKind } from '../app/ports.ts';

/** A limit: at most `max` requests in any `intervalMs`. */
export interface Limit {
  max: number;
  intervalMs: number;
}

/** DynamoDB traffic the budget costs (for the bench and the capacity figures). */
export interface RateBudgetStats {
  /** Strongly consistent GetItem calls (1 RCU each: the item is far below 4 KB). */
  reads: number;
  /** Successful UpdateItem calls (1 WCU each: the item is far below 1 KB). */
  writes: number;
  /** Conditional writes that lost a race (still 1 WCU each) and were retried. */
  conflicts: number;
}

/** Options of `DynamoRateBudget`. */
export interface DynamoRateBudgetOptions {
  client: DynamoDBClient;
  table: string;
  /** Whose budget: the HubSpot portal (or a digest of the token, one app in one portal). */
  scope: string;
  general: Limit;
  search: Limit;
  /** Most tokens one write leases (default 5); a lease asks only for what this instance has waiting. */
  maxLease?: number;
  /** How long leased tokens stay spendable here (default 250 ms). */
  leaseMs?: number;
  now?: () => number;
  random?: () => number;
  stats?: RateBudgetStats;
}

interface Bucket {
  capacity: number;
  /** Tokens per ms. */
  rate: number;
  leaseMs: number;
}

interface Local {
  tokens: number;
  expires: number;
  pausedUntil: number;
  waiting: number;
  queue: Promise<void>;
}

/** How far ahead a caller may reserve tokens (a bucket in debt of up to this much refill). */
const MAX_AHEAD_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function isConditionFailure(e: unknown): boolean {
  return (e as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/** The token bucket that keeps `limit` given how long leased tokens may wait (see the module comment). */
export function bucketFor(limit: Limit, leaseMs: number): Bucket {
  const capacity = Math.max(1, Math.floor(limit.max / 20));
  // A budget of 1 still refills, just under one token per window (requests are whole: the bound holds).
  const rate = Math.max(limit.max - capacity, 0.999) / (limit.intervalMs + leaseMs);
  return { capacity, rate, leaseMs };
}

/** RateBudget on the shared DynamoDB table. */
export class DynamoRateBudget implements RateBudget {
  readonly #o: DynamoRateBudgetOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #maxLease: number;
  readonly #buckets: Record<RateKind, Bucket>;
  readonly #local: Record<RateKind, Local>;

  constructor(o: DynamoRateBudgetOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
    this.#maxLease = Math.max(1, o.maxLease ?? 5);
    const leaseMs = o.leaseMs ?? 250;
    // A search lease is one token spent at once: the search window is one second, too short to lease ahead.
    this.#buckets = { general: bucketFor(o.general, leaseMs), search: bucketFor(o.search, 0) };
    const local = (): Local => ({
      tokens: 0,
      expires: 0,
      pausedUntil: 0,
      waiting: 0,
      queue: Promise.resolve(),
    });
    this.#local = { general: local(), search: local() };
  }

  /** A search takes a search token, then a general one (a search counts against both limits). */
  async take(kind: RateKind = 'general'): Promise<void> {
    if (kind === 'search') await this.#takeOne('search');
    await this.#takeOne('general');
  }

  async pause(ms: number, kind: RateKind = 'general'): Promise<void> {
    const until = this.#now() + ms;
    const local = this.#local[kind];
    local.tokens = 0;
    local.pausedUntil = Math.max(local.pausedUntil, until);
    // Empty the bucket until then: everyone waits, then restarts from nothing rather than a burst.
    try {
      await this.#o.client.send(
        new UpdateItemCommand({
          TableName: this.#o.table,
          Key: this.#key(kind),
          UpdateExpression:
            'SET pausedUntil = :u, tokens = :zero, #at = :u, version = if_not_exists(version, :zero) + :one',
          ConditionExpression: 'attribute_not_exists(pausedUntil) OR pausedUntil < :u',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: {
            ':u': { N: String(until) },
            ':zero': { N: '0' },
            ':one': { N: '1' },
          },
        }),
      );
      if (this.#o.stats) this.#o.stats.writes++;
    } catch (e) {
      // Someone already paused for longer: nothing to do.
      if (!isConditionFailure(e)) throw e;
      if (this.#o.stats) this.#o.stats.conflicts++;
    }
  }

  /** One token of `kind`; callers of this instance are served in order. */
  #takeOne(kind: RateKind): Promise<void> {
    const local = this.#local[kind];
    local.waiting++;
    const turn = local.queue.then(async () => {
      try {
        for (;;) {
          const now = this.#now();
          if (now < local.pausedUntil) {
            await sleep(local.pausedUntil - now);
            continue;
          }
          if (local.tokens > 0 && now < local.expires) {
            local.tokens--;
            return;
          }
          local.tokens = 0;
          // Search tokens are not leased ahead (their lease time is 0): one at a time.
          const want = this.#buckets[kind].leaseMs > 0 ? Math.min(this.#maxLease, local.waiting) : 1;
          const r = await this.#lease(kind, want);
          if ('granted' in r) {
            // A reservation: the tokens are ours from `validFrom`. Wait for it (no polling meanwhile).
            const ahead = r.validFrom - this.#now();
            if (ahead > 0) await sleep(ahead);
            // A 429 meanwhile emptied the bucket for everyone: this reservation is void.
            if (this.#now() < local.pausedUntil) continue;
            // One token is this caller's; the rest serve the callers queued behind it, for a short while.
            local.tokens = r.granted - 1;
            local.expires = Math.max(r.validFrom, this.#now()) + this.#buckets[kind].leaseMs;
            return;
          }
          if (r.pausedUntil) local.pausedUntil = Math.max(local.pausedUntil, r.pausedUntil);
          await sleep(r.waitMs);
        }
      } finally {
        local.waiting--;
      }
    });
    local.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Reserves up to `want` tokens, valid from when the bucket will have refilled them (the bucket may go
   * into debt up to MAX_AHEAD_MS of refill, so callers wait once instead of polling); or says how long to
   * wait when even that is too far ahead.
   */
  async #lease(
    kind: RateKind,
    want: number,
  ): Promise<{ granted: number; validFrom: number } | { waitMs: number; pausedUntil?: number }> {
    const b = this.#buckets[kind];
    const key = this.#key(kind);
    const got = await this.#o.client.send(
      new GetItemCommand({ TableName: this.#o.table, Key: key, ConsistentRead: true }),
    );
    if (this.#o.stats) this.#o.stats.reads++;
    const item = got.Item;
    const num = (a: AttributeValue | undefined, d: number) => (a?.N === undefined ? d : Number(a.N));
    const now = this.#now();
    const pausedUntil = num(item?.pausedUntil, 0);
    if (now < pausedUntil) return { waitMs: pausedUntil - now, pausedUntil };
    const at = num(item?.at, now);
    const version = num(item?.version, -1);
    // Another instance's clock may run ahead: never refill for negative time, never move `at` back.
    const available = Math.min(b.capacity, num(item?.tokens, b.capacity) + Math.max(0, now - at) * b.rate);
    // Level after taking `n` is available - n; the n-th token is earned once the level is back to 0.
    const readyIn = (n: number) => Math.max(0, (n - available) / b.rate);
    if (readyIn(1) > MAX_AHEAD_MS) return { waitMs: readyIn(1) - MAX_AHEAD_MS + this.#jitter(20) };
    let granted = Math.max(1, want);
    while (granted > 1 && readyIn(granted) > MAX_AHEAD_MS) granted--;
    try {
      await this.#o.client.send(
        new UpdateItemCommand({
          TableName: this.#o.table,
          Key: key,
          UpdateExpression: 'SET tokens = :t, #at = :at, version = :next',
          ConditionExpression: version < 0 ? 'attribute_not_exists(PK)' : 'version = :v',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: {
            ':t': { N: String(available - granted) },
            ':at': { N: String(Math.max(now, at)) },
            ':next': { N: String(version + 1) },
            ...(version < 0 ? {} : { ':v': { N: String(version) } }),
          },
        }),
      );
      if (this.#o.stats) this.#o.stats.writes++;
      return { granted, validFrom: now + Math.ceil(readyIn(granted)) };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      if (this.#o.stats) this.#o.stats.conflicts++;
      // Lost the race: the winner took tokens; look again after a short, spread-out pause.
      return { waitMs: this.#jitter(20) };
    }
  }

  #jitter(ms: number): number {
    return Math.round(this.#random() * ms);
  }

  #key(kind: RateKind): Record<string, AttributeValue> {
    return { PK: { S: `RATE#${this.#o.scope}` }, SK: { S: `BUCKET#${kind}` } };
  }
}
