import type { Database } from '../db/index.ts';
import type { Role } from '../db/schema.ts';
import { generateToken, hashToken } from './tokens.ts';
import type { SessionCache } from './session-cache.ts';

/**
 * Sessions as the Lucia guide teaches: the browser keeps a random token, the database keeps its
 * SHA-256; a session expires after a period without use and is extended while in use.
 */
export const SESSION_COOKIE = 'esper_session';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SignedInPerson {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  roles: Role[];
  emailVerified: boolean;
}

export interface SessionInfo {
  id: string;
  expiresAt: Date;
}

export async function createSession(
  db: Database,
  personId: string,
  options: { days: number; userAgent?: string | null; now?: Date },
): Promise<{ token: string; session: SessionInfo }> {
  const token = generateToken();
  const now = options.now ?? new Date();
  const session = { id: hashToken(token), expiresAt: new Date(now.getTime() + options.days * DAY_MS) };
  await db
    .insertInto('auth_session')
    .values({
      id: session.id,
      person_id: personId,
      expires_at: session.expiresAt,
      user_agent: options.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { token, session };
}

/**
 * Looks up the session behind a cookie's token. Expired sessions are deleted; a session used in
 * the second half of its life is extended (the sliding expiry), which the caller writes back to the cookie.
 */
export async function validateSessionToken(
  db: Database,
  token: string,
  options: { days: number; now?: Date },
): Promise<{ person: SignedInPerson; session: SessionInfo; renewed: boolean } | null> {
  if (!/^[a-z2-7]{32}$/.test(token)) return null;
  const now = options.now ?? new Date();
  const id = hashToken(token);
  const row = await db
    .selectFrom('auth_session as s')
    .innerJoin('person as p', 'p.id', 's.person_id')
    .select((eb) => [
      's.id',
      's.expires_at',
      'p.id as person_id',
      'p.email',
      'p.given_name',
      'p.family_name',
      'p.email_verified_at',
      'p.erased_at',
      eb
        .selectFrom('person_role as r')
        .whereRef('r.person_id', '=', 'p.id')
        .select((e) => e.fn.agg<Role[]>('array_agg', ['r.role']).as('roles'))
        .as('roles'),
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  if (row.expires_at.getTime() <= now.getTime() || row.erased_at) {
    await db.deleteFrom('auth_session').where('id', '=', id).execute();
    return null;
  }
  let expiresAt = row.expires_at;
  let renewed = false;
  const lifetime = options.days * DAY_MS;
  if (expiresAt.getTime() - now.getTime() < lifetime / 2) {
    expiresAt = new Date(now.getTime() + lifetime);
    renewed = true;
    await db.updateTable('auth_session').set({ expires_at: expiresAt }).where('id', '=', id).execute();
  }
  return {
    person: {
      id: row.person_id,
      email: row.email,
      givenName: row.given_name,
      familyName: row.family_name,
      roles: [...(row.roles ?? [])].sort(),
      emailVerified: row.email_verified_at !== null,
    },
    session: { id, expiresAt },
    renewed,
  };
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
  await db.deleteFrom('auth_session').where('id', '=', sessionId).execute();
}

/** Ends every session of a person, except the one given (the device the person is using). */
export async function invalidateOtherSessions(db: Database, personId: string, keepSessionId?: string): Promise<void> {
  let query = db.deleteFrom('auth_session').where('person_id', '=', personId);
  if (keepSessionId) query = query.where('id', '!=', keepSessionId);
  await query.execute();
}

/**
 * The session behind a token, from the cache when it holds a fresh copy that needs no renewal,
 * else from the database (and then cached). `fresh` skips the cache: a write is judged on the
 * database itself, since a copy may outlive a logout elsewhere until its announcement arrives.
 */
export async function resolveSession(
  db: Database,
  token: string,
  options: { days: number; cache: SessionCache; now?: Date; fresh?: boolean },
): Promise<{ person: SignedInPerson; session: SessionInfo; renewed: boolean } | null> {
  if (!/^[a-z2-7]{32}$/.test(token)) return null;
  const now = options.now ?? new Date();
  const cached = options.fresh ? undefined : options.cache.get(hashToken(token), now);
  const halfLife = (options.days * DAY_MS) / 2;
  if (cached && cached.session.expiresAt.getTime() - now.getTime() >= halfLife)
    return { person: cached.person, session: cached.session, renewed: false };
  const generation = options.cache.generation;
  const found = await validateSessionToken(db, token, { days: options.days, now });
  if (found) options.cache.set(found.person, found.session, now, generation);
  return found;
}
