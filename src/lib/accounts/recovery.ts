import type { AppContext } from '../context.ts';
import { recordAudit } from '../audit/index.ts';
import { clearRateLimit, hitRateLimit } from '../security/rate-limit.ts';
import { consumeOneTimeToken, issueOneTimeToken, peekOneTimeToken, TOKEN_PROBLEM_MESSAGES } from './one-time-tokens.ts';
import { hashPassword, passwordWeakness } from './passwords.ts';
import { findPersonByEmail, normalizeEmail } from './people.ts';
import type { Outcome } from './registration.ts';
import { invalidateOtherSessions } from './sessions.ts';

/**
 * Sends a reset link when the address has an account. The answer is the same either way; an
 * address receives at most 3 links an hour.
 */
export async function requestPasswordReset(ctx: AppContext, input: { email: string }, client: { ip: string }): Promise<Outcome> {
  const limit = await hitRateLimit(ctx.db, `reset:ip:${client.ip}`, { limit: 10, windowSeconds: 3600 }, ctx.now());
  if (!limit.allowed)
    return { ok: false, status: 429, message: 'Trop de demandes depuis cette connexion. Réessayez dans une heure.' };
  const email = normalizeEmail(input.email);
  const perAccount = await hitRateLimit(ctx.db, `reset:account:${email}`, { limit: 3, windowSeconds: 3600 }, ctx.now());
  if (!perAccount.allowed) return { ok: true };
  const person = await findPersonByEmail(ctx.db, email);
  if (!person) return { ok: true };
  const token = await issueOneTimeToken(ctx.db, { purpose: 'reset_password', email, personId: person.id, now: ctx.now() });
  await ctx.mail({
    to: email,
    personId: person.id,
    subject: 'Choisir un nouveau mot de passe',
    text: `Bonjour ${person.given_name},

Vous avez demandé à changer votre mot de passe ESPER Parcours. Ouvrez ce lien (valable une heure) pour en choisir un nouveau :
${ctx.publicUrl}/mot-de-passe/nouveau?jeton=${token}

Si vous n'avez rien demandé, ignorez ce message : votre mot de passe actuel reste valable.`,
  });
  return { ok: true };
}

/** Sets a new password from a reset link, and ends every open session of the account. */
export async function resetPassword(ctx: AppContext, input: { token: string; password: string }): Promise<Outcome<{ personId: string }>> {
  const now = ctx.now();
  const peeked = await peekOneTimeToken(ctx.db, input.token, 'reset_password', now);
  if (!peeked.ok) return { ok: false, status: 400, message: TOKEN_PROBLEM_MESSAGES[peeked.problem] };
  const weakness = passwordWeakness(input.password, peeked.token.email);
  if (weakness) return { ok: false, status: 400, message: weakness };
  const passwordHash = await hashPassword(input.password);
  const result = await ctx.db.transaction().execute(async (trx) => {
    const used = await consumeOneTimeToken(trx, input.token, 'reset_password', now);
    if (!used.ok) return { ok: false, status: 400, message: TOKEN_PROBLEM_MESSAGES[used.problem] } as const;
    const personId = used.token.person_id!;
    // Following the link proves the inbox, so it also confirms the address.
    await trx
      .updateTable('person')
      .set((eb) => ({ password_hash: passwordHash, email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(now)) }))
      .where('id', '=', personId)
      .execute();
    await recordAudit(trx, { actorId: personId, action: 'account.password_reset', subjectPersonId: personId });
    return { ok: true, personId, email: used.token.email } as const;
  });
  if (!result.ok) return result;
  await invalidateOtherSessions(ctx.db, result.personId);
  await clearRateLimit(ctx.db, `login:account:${result.email}`);
  return { ok: true, personId: result.personId };
}
