import type { APIRoute } from 'astro';
import { exportPersonalData } from '../../lib/accounts/personal-data.ts';
import { appContext } from '../../lib/context.ts';

/** The signed-in person's own data, and nobody else's: the id comes from the session only. */
export const GET: APIRoute = async ({ locals }) => {
  const data = await exportPersonalData(appContext().db, locals.person!.id);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="esper-parcours-mes-donnees-${day}.json"`,
    },
  });
};
