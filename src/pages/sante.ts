import type { APIRoute } from 'astro';
import { sql } from 'kysely';
import { appContext } from '../lib/context.ts';

/** For a load balancer: 200 when the server and its database answer. */
export const GET: APIRoute = async () => {
  try {
    await sql`select 1`.execute(appContext().db);
    return Response.json({ etat: 'ok' });
  } catch {
    return Response.json({ etat: 'base de données injoignable' }, { status: 503 });
  }
};
