import type { APIContext } from 'astro';
import { defineMiddleware } from 'astro:middleware';
import { decideAccess, ROUTE_ACCESS } from './lib/accounts/access.ts';
import { resolveSession, SESSION_COOKIE } from './lib/accounts/sessions.ts';
import { config } from './lib/config.ts';
import { appContext, sessionCache } from './lib/context.ts';
import { deleteSessionCookie, setSessionCookie } from './lib/web/session-cookie.ts';
import { applySecurityHeaders, isCrossSiteWrite } from './lib/web/security-headers.ts';
import { jsonRefusal } from './lib/web/json.ts';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from './lib/db/availability.ts';

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
  // The 503 page itself is shown signed out: its session could not be looked up.
  if (token && context.routePattern !== '/503') {
    const ctx = appContext();
    let found;
    try {
      // A write never trusts a cached copy: a logout on another instance counts from its commit.
      const fresh = request.method !== 'GET' && request.method !== 'HEAD';
      found = await resolveSession(ctx.db, token, { days: ctx.sessionDays, cache: sessionCache(), fresh });
    } catch (error) {
      return databaseUnavailable(error, context, isApi);
    }
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
    try {
      response = await next();
    } catch (error) {
      return databaseUnavailable(error, context, isApi);
    }
  }
  applySecurityHeaders(response.headers, { private: locals.person !== null });
  return response;
});

/**
 * The database could not be reached (PostgreSQL restarting, network down): a French 503 page, or
 * JSON for an API, rather than a 500; the next request tries again. Any other error goes on to the 500 page.
 */
async function databaseUnavailable(error: unknown, context: APIContext, isApi: boolean): Promise<Response> {
  if (!isDatabaseUnavailable(error)) throw error;
  console.error('[db] database unreachable:', error instanceof Error ? error.message : error);
  // A fresh GET: a form's body may already have been read, and Astro will not rewrite that request.
  const page = () => context.rewrite(new Request(new URL('/503', context.url), { headers: context.request.headers }));
  const response = isApi ? jsonRefusal(503, DATABASE_UNAVAILABLE) : await page();
  response.headers.set('Retry-After', '10');
  applySecurityHeaders(response.headers, { private: true });
  return response;
}

function clientIp(socketAddress: string, headers: Headers): string {
  if (config().TRUST_PROXY === '1') {
    const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return socketAddress || 'unknown';
}
