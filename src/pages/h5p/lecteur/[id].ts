import type { APIRoute } from 'astro';
import { findActivity } from '../../../lib/modules/activities.ts';
import { appContext } from '../../../lib/context.ts';
import { H5P_PLAYER_POLICY } from '../../../lib/web/security-headers.ts';

/** The document an activity plays in, inside a sandboxed iframe of the module page. */
export const GET: APIRoute = async ({ params }) => {
  const activity = await findActivity(appContext().db, params.id ?? '');
  if (!activity) return new Response('Activité introuvable.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const escaped = activity.title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped}</title>
<link rel="stylesheet" href="/h5p/standalone/styles/h5p.css">
<link rel="stylesheet" href="/h5p/pont.css">
</head>
<body>
<div id="h5p-container" data-activity="${activity.id}"></div>
<script src="/h5p/standalone/main.bundle.js"></script>
<script src="/h5p/pont.js"></script>
</body>
</html>`;
  return new Response(html, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': H5P_PLAYER_POLICY,
      'cache-control': 'no-cache',
    },
  });
};
