import type { AstroCookies } from 'astro';
import { isSecureOrigin } from '../config.ts';
import { SESSION_COOKIE } from '../accounts/sessions.ts';

/** HttpOnly (no script reads it), SameSite=Lax (not sent by cross-site posts), Secure over HTTPS. */
export function setSessionCookie(cookies: AstroCookies, token: string, expiresAt: Date): void {
  cookies.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecureOrigin(),
    path: '/',
    expires: expiresAt,
  });
}

export function deleteSessionCookie(cookies: AstroCookies): void {
  cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure: isSecureOrigin(), path: '/', maxAge: 0 });
}

/** A path to go back to after signing in: only a path on this site, never another site. */
export function safeNextPath(value: string | null | undefined, fallback = '/accueil'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}
