import type { Kysely, Transaction } from 'kysely';
import type { DB, Role, TokenPurpose } from '../db/schema.ts';
import { generateToken, hashToken } from './tokens.ts';

const HOUR_MS = 60 * 60 * 1000;

/** How long each kind of link stays valid. */
export const TOKEN_LIFETIME_HOURS: Record<TokenPurpose, number> = {
  verify_email: 48,
  reset_password: 1,
  invitation: 7 * 24,
  change_email: 24,
};

export async function issueOneTimeToken(
  db: Kysely<DB> | Transaction<DB>,
  input: { purpose: TokenPurpose; email: string; personId?: string | null; role?: Role | null; createdBy?: string | null; now: Date },
): Promise<string> {
  const token = generateToken();
  await db
    .insertInto('one_time_token')
    .values({
      id: hashToken(token),
      purpose: input.purpose,
      email: input.email,
      person_id: input.personId ?? null,
      role: input.role ?? null,
      created_by: input.createdBy ?? null,
      expires_at: new Date(input.now.getTime() + TOKEN_LIFETIME_HOURS[input.purpose] * HOUR_MS),
    })
    .execute();
  return token;
}

export type TokenProblem = 'unknown' | 'used' | 'expired';

export const TOKEN_PROBLEM_MESSAGES: Record<TokenProblem, string> = {
  unknown: "Ce lien n'est pas valide. Vérifiez que vous avez copié l'adresse en entier.",
  used: 'Ce lien a déjà servi. Si besoin, demandez-en un nouveau.',
  expired: 'Ce lien a expiré. Demandez-en un nouveau : il vous parviendra par e-mail.',
};

/** Reads a token without using it (to show the form a link leads to). */
export async function peekOneTimeToken(db: Kysely<DB>, token: string, purpose: TokenPurpose, now: Date) {
  if (!/^[a-z2-7]{32}$/.test(token)) return { ok: false as const, problem: 'unknown' as const };
  const row = await db
    .selectFrom('one_time_token')
    .selectAll()
    .where('id', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) return { ok: false as const, problem: 'unknown' as const };
  if (row.used_at) return { ok: false as const, problem: 'used' as const };
  if (row.expires_at.getTime() <= now.getTime()) return { ok: false as const, problem: 'expired' as const };
  return { ok: true as const, token: row };
}

/**
 * Uses a token once: marks it used in the same statement that checks it is unused, so two
 * simultaneous clicks cannot both succeed. Call inside the transaction of what the token allows.
 */
export async function consumeOneTimeToken(trx: Transaction<DB>, token: string, purpose: TokenPurpose, now: Date) {
  const peeked = await peekOneTimeToken(trx, token, purpose, now);
  if (!peeked.ok) return peeked;
  const used = await trx
    .updateTable('one_time_token')
    .set({ used_at: now })
    .where('id', '=', peeked.token.id)
    .where('used_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (!used) return { ok: false as const, problem: 'used' as const };
  return { ok: true as const, token: used };
}
