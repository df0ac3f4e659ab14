import type { AppContext } from '../context.ts';
import { clearRateLimit, currentHits, hitRateLimit, type RateRule } from '../security/rate-limit.ts';
import { verifyPassword } from './passwords.ts';
import { findPersonByEmail, normalizeEmail } from './people.ts';
import { resendVerification, type Outcome } from './registration.ts';
import { createSession } from './sessions.ts';

/** Five wrong passwords lock an address for 15 minutes; one connection may try 30 times in 15 minutes. */
export const ACCOUNT_FAILURES: RateRule = { limit: 5, windowSeconds: 15 * 60 };
export const ADDRESS_ATTEMPTS: RateRule = { limit: 30, windowSeconds: 15 * 60 };

export const WRONG_CREDENTIALS = 'Adresse e-mail ou mot de passe incorrect.';

const accountKey = (email: string) => `login:account:${email}`;

/**
 * Checks an email and password and opens a session. The answers never tell whether an address
 * has an account: the same message, the same lockout and the same work happen either way.
 */
export async function logIn(
  ctx: AppContext,
  input: { email: string; password: string },
  client: { ip: string; userAgent?: string | null },
): Promise<Outcome<{ token: string; expiresAt: Date; personId: string }>> {
  const email = normalizeEmail(input.email);
  const address = await hitRateLimit(ctx.db, `login:ip:${client.ip}`, ADDRESS_ATTEMPTS, ctx.now());
  if (!address.allowed)
    return {
      ok: false,
      status: 429,
      message: `Trop de tentatives de connexion depuis cette connexion. Réessayez dans ${minutes(address.retryAfterSeconds)}.`,
    };
  if ((await currentHits(ctx.db, accountKey(email), ACCOUNT_FAILURES, ctx.now())) >= ACCOUNT_FAILURES.limit)
    return {
      ok: false,
      status: 429,
      message:
        'Trop de tentatives pour ce compte : il est verrouillé pendant 15 minutes. Vous pouvez aussi réinitialiser votre mot de passe.',
    };

  const person = await findPersonByEmail(ctx.db, email);
  const valid = await verifyPassword(person?.password_hash ?? null, input.password);
  if (!person || !valid) {
    await hitRateLimit(ctx.db, accountKey(email), ACCOUNT_FAILURES, ctx.now());
    return { ok: false, status: 401, message: WRONG_CREDENTIALS };
  }
  if (!person.email_verified_at) {
    await resendVerification(ctx, person.id);
    return {
      ok: false,
      status: 403,
      message: 'Votre adresse e-mail n’est pas encore confirmée. Nous venons de vous renvoyer le lien de confirmation.',
    };
  }
  await clearRateLimit(ctx.db, accountKey(email));
  const { token, session } = await createSession(ctx.db, person.id, {
    days: ctx.sessionDays,
    userAgent: client.userAgent ?? null,
    now: ctx.now(),
  });
  return { ok: true, token, expiresAt: session.expiresAt, personId: person.id };
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m <= 1 ? 'une minute' : `${m} minutes`;
}
