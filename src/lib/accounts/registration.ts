import type { AppContext } from '../context.ts';
import { recordAudit } from '../audit/index.ts';
import { hitRateLimit } from '../security/rate-limit.ts';
import { consumeOneTimeToken, issueOneTimeToken, TOKEN_PROBLEM_MESSAGES } from './one-time-tokens.ts';
import { hashPassword, passwordWeakness } from './passwords.ts';
import { findPersonByEmail, normalizeEmail } from './people.ts';

export interface RegistrationInput {
  givenName: string;
  familyName: string;
  email: string;
  password: string;
  role: 'trainee' | 'professional';
  structure?: string | undefined;
}

export type Outcome<T = object> = ({ ok: true } & T) | { ok: false; status: 400 | 401 | 403 | 404 | 409 | 429; message: string };

/**
 * Creates an account waiting for its email to be confirmed, and sends the confirmation link.
 * An address that already has an account gets a notice instead, and the answer on screen is the
 * same, so that the form cannot tell who is registered.
 */
export async function register(ctx: AppContext, input: RegistrationInput, client: { ip: string }): Promise<Outcome> {
  const limit = await hitRateLimit(ctx.db, `register:ip:${client.ip}`, { limit: 10, windowSeconds: 3600 });
  if (!limit.allowed)
    return { ok: false, status: 429, message: 'Trop de demandes depuis cette connexion. Réessayez dans une heure.' };
  const email = normalizeEmail(input.email);
  const weakness = passwordWeakness(input.password, email);
  if (weakness) return { ok: false, status: 400, message: weakness };

  const existing = await findPersonByEmail(ctx.db, email);
  if (existing) {
    await ctx.mail({
      to: email,
      personId: existing.id,
      subject: 'Une inscription a été tentée avec votre adresse',
      text: `Bonjour ${existing.given_name},

Quelqu'un (peut-être vous) a voulu créer un compte ESPER Parcours avec cette adresse, qui en a déjà un.
Pour vous connecter : ${ctx.publicUrl}/connexion
Mot de passe oublié : ${ctx.publicUrl}/mot-de-passe-oublie

Si ce n'était pas vous, vous pouvez ignorer ce message : rien n'a changé sur votre compte.`,
    });
    return { ok: true };
  }

  const passwordHash = await hashPassword(input.password);
  const now = ctx.now();
  const { personId, token } = await ctx.db.transaction().execute(async (trx) => {
    const person = await trx
      .insertInto('person')
      .values({
        email,
        given_name: input.givenName.trim(),
        family_name: input.familyName.trim(),
        structure: input.role === 'professional' ? input.structure?.trim() || null : null,
        password_hash: passwordHash,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('person_role').values({ person_id: person.id, role: input.role }).execute();
    await recordAudit(trx, { actorId: person.id, action: 'account.registered', subjectPersonId: person.id, details: { role: input.role } });
    const token = await issueOneTimeToken(trx, { purpose: 'verify_email', email, personId: person.id, now });
    return { personId: person.id, token };
  });
  await sendVerificationEmail(ctx, { email, personId, givenName: input.givenName.trim(), token });
  return { ok: true };
}

export async function sendVerificationEmail(
  ctx: AppContext,
  to: { email: string; personId: string; givenName: string; token: string },
): Promise<void> {
  await ctx.mail({
    to: to.email,
    personId: to.personId,
    subject: 'Confirmez votre adresse e-mail',
    text: `Bonjour ${to.givenName},

Bienvenue sur ESPER Parcours. Pour activer votre compte, confirmez votre adresse en ouvrant ce lien (valable 48 heures) :
${ctx.publicUrl}/inscription/confirmer?jeton=${to.token}

Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.`,
  });
}

/** Issues a fresh confirmation link for an account that has not confirmed its address yet. */
export async function resendVerification(ctx: AppContext, personId: string): Promise<void> {
  const person = await ctx.db.selectFrom('person').selectAll().where('id', '=', personId).executeTakeFirst();
  if (!person || person.email_verified_at || person.erased_at) return;
  const limit = await hitRateLimit(ctx.db, `verify:resend:${personId}`, { limit: 3, windowSeconds: 3600 });
  if (!limit.allowed) return;
  const token = await issueOneTimeToken(ctx.db, { purpose: 'verify_email', email: person.email, personId, now: ctx.now() });
  await sendVerificationEmail(ctx, { email: person.email, personId, givenName: person.given_name, token });
}

export async function confirmEmail(ctx: AppContext, token: string): Promise<Outcome<{ personId: string }>> {
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const used = await consumeOneTimeToken(trx, token, 'verify_email', now);
    if (!used.ok) return { ok: false, status: used.problem === 'unknown' ? 404 : 400, message: TOKEN_PROBLEM_MESSAGES[used.problem] } as const;
    const personId = used.token.person_id!;
    const updated = await trx
      .updateTable('person')
      .set({ email_verified_at: now })
      .where('id', '=', personId)
      .where('email', '=', used.token.email)
      .where('email_verified_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (updated) await recordAudit(trx, { actorId: personId, action: 'account.email_verified', subjectPersonId: personId });
    return { ok: true, personId } as const;
  });
}
