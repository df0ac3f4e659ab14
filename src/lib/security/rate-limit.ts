import { sql } from 'kysely';
import type { Database } from '../db/index.ts';

export interface RateRule {
  /** How many hits the window allows. */
  limit: number;
  windowSeconds: number;
}

/**
 * Counts one hit for a key in a fixed window and says whether it is still allowed.
 * Kept in the database so that several server instances share the same counters.
 */
export async function hitRateLimit(
  db: Database,
  key: string,
  rule: RateRule,
  now: Date = new Date(),
): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const windowStart = new Date(now.getTime() - rule.windowSeconds * 1000);
  const row = await db
    .insertInto('rate_limit')
    .values({ key, window_started_at: now, hits: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql<number>`CASE WHEN rate_limit.window_started_at <= ${windowStart} THEN 1 ELSE rate_limit.hits + 1 END`,
        window_started_at: sql<Date>`CASE WHEN rate_limit.window_started_at <= ${windowStart} THEN ${now} ELSE rate_limit.window_started_at END`,
      }),
    )
    .returning(['hits', 'window_started_at'])
    .executeTakeFirstOrThrow();
  const resetAt = row.window_started_at.getTime() + rule.windowSeconds * 1000;
  return {
    allowed: row.hits <= rule.limit,
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000)),
  };
}

/** How many hits a key has in its current window, without counting one. */
export async function currentHits(db: Database, key: string, rule: RateRule, now: Date = new Date()): Promise<number> {
  const row = await db.selectFrom('rate_limit').select(['hits', 'window_started_at']).where('key', '=', key).executeTakeFirst();
  if (!row || row.window_started_at.getTime() <= now.getTime() - rule.windowSeconds * 1000) return 0;
  return row.hits;
}

export async function clearRateLimit(db: Database, key: string): Promise<void> {
  await db.deleteFrom('rate_limit').where('key', '=', key).execute();
}
