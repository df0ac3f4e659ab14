import type { AppContext } from '../context.ts';
import { recordAudit } from '../audit/index.ts';
import { consumeOneTimeToken, issueOneTimeToken, TOKEN_PROBLEM_MESSAGES } from './one-time-tokens.ts';
import { hashPassword, passwordWeakness, verifyPassword } from './passwords.ts';
import { findPersonByEmail, normalizeEmail } from './people.ts';
import type { Outcome } from './registration.ts';
import { invalidateOtherSessions } from './sessions.ts';

const WRONG_CURRENT_PASSWORD = 'Le mot de passe actuel est incorrect.';

async function checkPassword(ctx: AppContext, personId: string, password: string) {
  const person = await ctx.db.selectFrom('person').selectAll().where('id', '=', personId).executeTakeFirstOrThrow();
  return { person, valid: await verifyPassword(person.password_hash, password) };
}

/** Changes the password and ends the person's sessions on every other device. */
export async function changePassword(
  ctx: AppContext,
  input: { personId: string; currentSessionId: string; currentPassword: string; newPassword: string },
): Promise<Outcome> {
  const { person, valid } = await checkPassword(ctx, input.personId, input.currentPassword);
  if (!valid) return { ok: false, status: 400, message: WRONG_CURRENT_PASSWORD };
  const weakness = passwordWeakness(input.newPassword, person.email);
  if (weakness) return { ok: false, status: 400, message: weakness };
  const passwordHash = await hashPassword(input.newPassword);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('person').set({ password_hash: passwordHash }).where('id', '=', person.id).execute();
    await recordAudit(trx, { actorId: person.id, action: 'account.password_changed', subjectPersonId: person.id });
  });
  await invalidateOtherSessions(ctx.db, person.id, input.currentSessionId);
  await ctx.mail({
    to: person.email,
    personId: person.id,
    subject: 'Votre mot de passe a été modifié',
    text: `Bonjour ${person.given_name},

Le mot de passe de votre compte ESPER Parcours vient d'être modifié, et vos connexions sur vos autres appareils ont été fermées.
Si ce n'était pas vous, choisissez tout de suite un nouveau mot de passe : ${ctx.publicUrl}/mot-de-passe-oublie`,
  });
  return { ok: true };
}

/**
 * Sends a confirmation link to the new address; the email changes only once the link is opened.
 * If the new address already has an account, that address is told so, and the answer here is the same.
 */
export async function requestEmailChange(
  ctx: AppContext,
  input: { personId: string; newEmail: string; password: string },
): Promise<Outcome> {
  const { person, valid } = await checkPassword(ctx, input.personId, input.password);
  if (!valid) return { ok: false, status: 400, message: WRONG_CURRENT_PASSWORD };
  const newEmail = normalizeEmail(input.newEmail);
  if (newEmail === normalizeEmail(person.email))
    return { ok: false, status: 400, message: 'C’est déjà votre adresse actuelle.' };
  if (await findPersonByEmail(ctx.db, newEmail)) {
    await ctx.mail({
      to: newEmail,
      subject: 'Changement d’adresse refusé',
      text: `Bonjour,

Quelqu'un a voulu utiliser cette adresse pour un compte ESPER Parcours, mais elle est déjà celle d'un autre compte. Rien n'a été changé.`,
    });
    return { ok: true };
  }
  const token = await issueOneTimeToken(ctx.db, { purpose: 'change_email', email: newEmail, personId: person.id, now: ctx.now() });
  await ctx.mail({
    to: newEmail,
    personId: person.id,
    subject: 'Confirmez votre nouvelle adresse e-mail',
    text: `Bonjour ${person.given_name},

Pour utiliser cette adresse avec votre compte ESPER Parcours, ouvrez ce lien (valable 24 heures) :
${ctx.publicUrl}/mon-compte/adresse/confirmer?jeton=${token}

Si vous n'avez rien demandé, ignorez ce message.`,
  });
  return { ok: true };
}

export async function confirmEmailChange(
  ctx: AppContext,
  input: { token: string; currentSessionId?: string | undefined },
): Promise<Outcome<{ personId: string }>> {
  const now = ctx.now();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const used = await consumeOneTimeToken(trx, input.token, 'change_email', now);
    if (!used.ok) return { ok: false, status: 400, message: TOKEN_PROBLEM_MESSAGES[used.problem] } as const;
    const personId = used.token.person_id!;
    if (await findPersonByEmail(trx, used.token.email))
      return { ok: false, status: 409, message: 'Cette adresse est désormais utilisée par un autre compte.' } as const;
    const before = await trx.selectFrom('person').select(['email', 'given_name']).where('id', '=', personId).executeTakeFirstOrThrow();
    await trx.updateTable('person').set({ email: used.token.email, email_verified_at: now }).where('id', '=', personId).execute();
    await recordAudit(trx, {
      actorId: personId,
      action: 'account.email_changed',
      subjectPersonId: personId,
      details: { from: before.email, to: used.token.email },
    });
    return { ok: true, personId, previous: before } as const;
  });
  if (!result.ok) return result;
  await invalidateOtherSessions(ctx.db, result.personId, input.currentSessionId);
  await ctx.mail({
    to: result.previous.email,
    personId: result.personId,
    subject: 'Votre adresse e-mail a été modifiée',
    text: `Bonjour ${result.previous.given_name},

L'adresse de votre compte ESPER Parcours a été remplacée par une nouvelle. Si ce n'était pas vous, écrivez à l'équipe de coordination.`,
  });
  return { ok: true, personId: result.personId };
}
