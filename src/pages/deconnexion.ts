import type { APIRoute } from 'astro';
import { invalidateSession } from '../lib/accounts/sessions.ts';
import { appContext } from '../lib/context.ts';
import { deleteSessionCookie } from '../lib/web/session-cookie.ts';

/** Logging out is a POST (a link could be followed by a crawler or an image tag). */
export const POST: APIRoute = async ({ locals, cookies, redirect }) => {
  if (locals.session) await invalidateSession(appContext().db, locals.session.id);
  deleteSessionCookie(cookies);
  return redirect('/connexion?info=deconnecte', 303);
};

export const GET: APIRoute = ({ redirect }) => redirect('/', 303);
