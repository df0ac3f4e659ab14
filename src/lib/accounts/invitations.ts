import type { AppContext } from '../context.ts';
import type { Role } from '../db/schema.ts';
import { recordAudit } from '../audit/index.ts';
import { consumeOneTimeToken, issueOneTimeToken, TOKEN_PROBLEM_MESSAGES } from './one-time-tokens.ts';
import { hashPassword, passwordWeakness } from './passwords.ts';
import { findPersonByEmail, normalizeEmail } from './people.ts';
import { createSession } from './sessions.ts';
import type { Outcome } from './registration.ts';
import { grantRole, invitableRoles, ROLE_LABELS } from './roles.ts';

/**
 * Invites someone with a role. A person who already has an account simply receives the role and
 * a notice; anyone else receives a link to set their name and password.
 */
export async function invite(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly Role[]; email: string; role: Role },
): Promise<Outcome<{ alreadyRegistered: boolean }>> {
  if (!invitableRoles(input.actorRoles).includes(input.role))
    return { ok: false, status: 403, message: 'Vous ne pouvez pas inviter quelqu’un avec ce rôle.' };
  const email = normalizeEmail(input.email);
  const label = ROLE_LABELS[input.role].toLowerCase();
  const existing = await findPersonByEmail(ctx.db, email);
  if (existing) {
    const granted = await grantRole(ctx, { actorId: input.actorId, personId: existing.id, role: input.role });
    if (!granted.ok) return granted;
    await ctx.mail({
      to: email,
      personId: existing.id,
      subject: 'Un nouveau rôle sur ESPER Parcours',
      text: `Bonjour ${existing.given_name},

L'équipe d'ESPER Parcours vous a donné le rôle « ${label} ». Il est actif dès votre prochaine page : ${ctx.publicUrl}/accueil`,
    });
    return { ok: true, alreadyRegistered: true };
  }
  const token = await ctx.db.transaction().execute(async (trx) => {
    const token = await issueOneTimeToken(trx, { purpose: 'invitation', email, role: input.role, createdBy: input.actorId, now: ctx.now() });
    await recordAudit(trx, { actorId: input.actorId, action: 'invitation.sent', details: { email, role: input.role } });
    return token;
  });
  await ctx.mail({
    to: email,
    subject: 'Invitation à rejoindre ESPER Parcours',
    text: `Bonjour,

L'équipe d'ESPER Pro vous invite à rejoindre ESPER Parcours, sa plateforme de formation, avec le rôle « ${label} ».
Pour créer votre compte, ouvrez ce lien (valable 7 jours) et choisissez votre mot de passe :
${ctx.publicUrl}/invitation?jeton=${token}`,
  });
  return { ok: true, alreadyRegistered: false };
}

/** Creates the invited person's account from the link, confirmed, with the role, and signs them in. */
export async function acceptInvitation(
  ctx: AppContext,
  input: { token: string; givenName: string; familyName: string; password: string; structure?: string | undefined; userAgent?: string | null },
): Promise<Outcome<{ personId: string; sessionToken: string; expiresAt: Date }>> {
  const now = ctx.now();
  const passwordHash = await hashPassword(input.password);
  const result = await ctx.db.transaction().execute(async (trx) => {
    const used = await consumeOneTimeToken(trx, input.token, 'invitation', now);
    if (!used.ok) return { ok: false, status: 400, message: TOKEN_PROBLEM_MESSAGES[used.problem] } as const;
    const weakness = passwordWeakness(input.password, used.token.email);
    if (weakness) throw new WeakPassword(weakness);
    if (await findPersonByEmail(trx, used.token.email))
      return {
        ok: false,
        status: 409,
        message: 'Un compte existe déjà avec cette adresse : connectez-vous, le rôle vous sera donné par l’équipe.',
      } as const;
    const person = await trx
      .insertInto('person')
      .values({
        email: used.token.email,
        given_name: input.givenName.trim(),
        family_name: input.familyName.trim(),
        structure: input.structure?.trim() || null,
        password_hash: passwordHash,
        email_verified_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('person_role')
      .values({ person_id: person.id, role: used.token.role ?? 'trainee', granted_by: used.token.created_by })
      .execute();
    await recordAudit(trx, { actorId: person.id, action: 'invitation.accepted', subjectPersonId: person.id, details: { role: used.token.role } });
    return { ok: true, personId: person.id } as const;
  }).catch((error: unknown) => {
    // A weak password rolls the transaction back, so the link stays usable.
    if (error instanceof WeakPassword) return { ok: false, status: 400, message: error.message } as const;
    throw error;
  });
  if (!result.ok) return result;
  const { token, session } = await createSession(ctx.db, result.personId, { days: ctx.sessionDays, userAgent: input.userAgent ?? null, now });
  return { ok: true, personId: result.personId, sessionToken: token, expiresAt: session.expiresAt };
}

class WeakPassword extends Error {}
