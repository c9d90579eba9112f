/**
 * One HubSpot request budget per portal, shared by every function and Lambda instance: a token bucket
 * per limit (`general`, `search`) in the single table, kept as GCRA (the generic cell rate algorithm):
 * one number, `tat`, the time at which the bucket will be full again.
 *
 * Item `PK = RATE#<scope>`, `SK = BUCKET#<kind>`, attribute `tat` (epoch ms). Taking n tokens at time t is
 * one atomic UpdateItem, no read: `tat = max(tat, t) + n·T` (T = ms per token), written as `tat + n·T`
 * when the bucket is busy (`tat >= t`) or `t + n·T` when it is idle, each under its condition. The
 * caller's tokens are earned at `tat - C·T` (C the capacity); it may reserve up to 2 s ahead and sleeps
 * until then, so waiting costs no DynamoDB traffic. Only when it may not reserve that far does it read the
 * item to learn how long to wait. Reserved tokens are spent in this instance within `leaseMs` or dropped.
 *
 * The bucket keeps the budget's promise, "at most `max` in any `intervalMs`": with capacity C (a twentieth
 * of `max`, at least 1) and a refill of `(max - C) / (intervalMs + leaseMs)`, any window of `intervalMs` sees
 * at most C + rate × (intervalMs + leaseMs) = `max` requests, wherever the leased tokens are spent.
 * A 429 moves `tat` to `Retry-After + C·T` (empty until then) and records `pausedUntil`.
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
  /** Strongly consistent GetItem calls, only when a caller may not reserve (1 RCU each: the item is far below 4 KB). */
  reads: number;
  /** Successful UpdateItem calls (1 WCU each: the item is far below 1 KB). */
  writes: number;
  /** UpdateItem calls refused by their condition (1 WCU each all the same): a wrong guess of busy or idle. */
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
  /** Ms per token (1 / rate). */
  interval: number;
  leaseMs: number;
}

interface Local {
  /** The last `tat` seen in the table (a guess at its shape, busy or idle). */
  tat: number;
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
  return { capacity, rate, interval: 1 / rate, leaseMs };
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
      tat: 0,
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
    const b = this.#buckets[kind];
    const local = this.#local[kind];
    local.tokens = 0;
    local.pausedUntil = Math.max(local.pausedUntil, until);
    // Empty until then: everyone waits, then restarts from an empty bucket rather than a burst.
    const tat = Math.ceil(until + b.capacity * b.interval);
    local.tat = Math.max(local.tat, tat);
    try {
      await this.#o.client.send(
        new UpdateItemCommand({
          TableName: this.#o.table,
          Key: this.#key(kind),
          UpdateExpression: 'SET tat = :tat, pausedUntil = :u',
          ConditionExpression: 'attribute_not_exists(tat) OR tat < :tat',
          ExpressionAttributeValues: { ':tat': { N: String(tat) }, ':u': { N: String(until) } },
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
          const r = await this.#reserve(kind, want);
          if ('granted' in r) {
            const ahead = r.validFrom - this.#now();
            if (ahead > 0) await sleep(ahead);
            // A 429 meanwhile emptied the bucket for everyone: this reservation is void.
            if (this.#now() < local.pausedUntil) continue;
            // One token is this caller's; the rest serve the callers queued behind it, for a short while.
            local.tokens = r.granted - 1;
            local.expires = Math.max(r.validFrom, this.#now()) + this.#buckets[kind].leaseMs;
            return;
          }
          await sleep(r.waitMs);
        }
      } finally {
        local.waiting--;
      }
    });
    local.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Reserves up to `want` tokens (one write), or says how long to wait (after one read). */
  async #reserve(
    kind: RateKind,
    want: number,
  ): Promise<{ granted: number; validFrom: number } | { waitMs: number }> {
    const b = this.#buckets[kind];
    const local = this.#local[kind];
    const t = this.#now();
    // The latest `tat` this tat may be at so that n more tokens are earned within MAX_AHEAD_MS.
    const limit = (n: number) => t + MAX_AHEAD_MS + (b.capacity - n) * b.interval;
    // As many as the last known state allows (at least one).
    let n = Math.max(1, want);
    while (n > 1 && local.tat > limit(n)) n--;
    const busy = local.tat >= t;
    for (const shape of busy ? (['busy', 'idle'] as const) : (['idle', 'busy'] as const)) {
      try {
        const r = await this.#o.client.send(
          new UpdateItemCommand({
            TableName: this.#o.table,
            Key: this.#key(kind),
            ReturnValues: 'UPDATED_NEW',
            ...(shape === 'busy'
              ? {
                  UpdateExpression: 'SET tat = tat + :inc',
                  ConditionExpression: 'tat >= :t AND tat <= :lim',
                  ExpressionAttributeValues: {
                    ':inc': { N: String(n * b.interval) },
                    ':t': { N: String(t) },
                    ':lim': { N: String(limit(n)) },
                  },
                }
              : {
                  UpdateExpression: 'SET tat = :tat',
                  ConditionExpression: 'attribute_not_exists(tat) OR tat < :t',
                  ExpressionAttributeValues: {
                    ':tat': { N: String(t + n * b.interval) },
                    ':t': { N: String(t) },
                  },
                }),
          }),
        );
        if (this.#o.stats) this.#o.stats.writes++;
        const tat = Number(r.Attributes?.tat?.N);
        local.tat = tat;
        return { granted: n, validFrom: Math.max(t, Math.ceil(tat - b.capacity * b.interval)) };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        if (this.#o.stats) this.#o.stats.conflicts++;
      }
    }
    // Neither shape fit: the bucket is further in debt than this caller may reserve. Learn how far.
    const got = await this.#o.client.send(
      new GetItemCommand({ TableName: this.#o.table, Key: this.#key(kind), ConsistentRead: true }),
    );
    if (this.#o.stats) this.#o.stats.reads++;
    const tat = got.Item?.tat?.N === undefined ? 0 : Number(got.Item.tat.N);
    local.tat = tat;
    return { waitMs: Math.max(0, tat - limit(1)) + this.#jitter(20) };
  }

  #jitter(ms: number): number {
    return Math.round(this.#random() * ms);
  }

  #key(kind: RateKind): Record<string, AttributeValue> {
    return { PK: { S: `RATE#${this.#o.scope}` }, SK: { S: `BUCKET#${kind}` } };
  }
}
