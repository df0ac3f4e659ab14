import { defineMiddleware } from 'astro:middleware';
import { decideAccess, ROUTE_ACCESS } from './lib/accounts/access.ts';
import { resolveSession, SESSION_COOKIE } from './lib/accounts/sessions.ts';
import { config } from './lib/config.ts';
import { appContext, sessionCache } from './lib/context.ts';
import { deleteSessionCookie, setSessionCookie } from './lib/web/session-cookie.ts';
import { applySecurityHeaders, isCrossSiteWrite } from './lib/web/security-headers.ts';
import { jsonRefusal } from './lib/web/json.ts';

/**
 * Every request passes here: same-origin check for writes, session from the cookie, the route's
 * access rule (ROUTE_ACCESS), then the page, then the security headers.
 */
export const onRequest = defineMiddleware(async (context, next) => {
  const { request, url, cookies, locals } = context;
  const isApi = url.pathname.startsWith('/api/');

  if (isCrossSiteWrite(request, url)) {
    const response = jsonRefusal(403, 'Requête refusée : elle ne vient pas d’une page de ce site.');
    applySecurityHeaders(response.headers, { private: true });
    return response;
  }

  locals.clientIp = clientIp(context.clientAddress, request.headers);
  locals.person = null;
  locals.session = null;
  const token = cookies.get(SESSION_COOKIE)?.value;
  if (token) {
    const ctx = appContext();
    const found = await resolveSession(ctx.db, token, { days: ctx.sessionDays, cache: sessionCache() });
    if (found) {
      locals.person = found.person;
      locals.session = found.session;
      if (found.renewed) setSessionCookie(cookies, token, found.session.expiresAt);
    } else {
      deleteSessionCookie(cookies);
    }
  }

  const decision = decideAccess(ROUTE_ACCESS[context.routePattern], locals.person);
  let response: Response;
  if (decision === 'sign-in') {
    response = isApi
      ? // 401, not 403: a client (the tablet's queue) keeps what it could not send until the person signs in again.
        jsonRefusal(401, 'Votre session a expiré ou vous n’êtes pas connecté·e : reconnectez-vous.')
      : context.redirect(`/connexion?suite=${encodeURIComponent(url.pathname + url.search)}`, 303);
  } else if (decision === 'forbidden') {
    response = isApi ? jsonRefusal(403, 'Accès refusé : votre rôle ne permet pas cette action.') : await context.rewrite('/403');
  } else {
    response = await next();
  }
  applySecurityHeaders(response.headers, { private: locals.person !== null });
  return response;
});

function clientIp(socketAddress: string, headers: Headers): string {
  if (config().TRUST_PROXY === '1') {
    const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return socketAddress || 'unknown';
}
