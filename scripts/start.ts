// npm start — builds the platform when its sources changed, brings the database up to date,
// creates the demo accounts on the embedded database, then serves http://localhost:4321.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import send from 'send';
import { prepareDatabase } from './support/prepare-database.ts';
import { appContext } from '../src/lib/context.ts';
import { sendDueSurveyInvitations } from '../src/lib/surveys/invitations.ts';
import { applySecurityHeaders } from '../src/lib/web/security-headers.ts';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'dist/server/entry.mjs');

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  return newest;
}

function buildIsStale(): boolean {
  if (!existsSync(entry)) return true;
  const built = statSync(entry).mtimeMs;
  const sources = ['src', 'content', 'public', 'astro.config.mjs', 'package.json']
    .map((p) => join(root, p))
    .filter((p) => existsSync(p));
  return sources.some((p) => newestChange(p) > built);
}

if (process.env.SKIP_BUILD !== '1' && buildIsStale()) {
  console.log('Building the platform (first start, or the sources changed)…');
  const build = spawnSync(process.execPath, [join(root, 'node_modules/astro/bin/astro.mjs'), 'build'], { stdio: 'inherit', cwd: root });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const { embedded } = await prepareDatabase();

/**
 * The HTTP server: a path with a file extension is looked up among the built files (scripts,
 * styles, images); every other path goes straight to Astro, without a disk lookup first.
 */
type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
const { handler } = (await import(entry)) as { handler: NodeHandler };
const clientDir = join(root, 'dist/client');
const STATIC_HEADERS = new Headers();
applySecurityHeaders(STATIC_HEADERS, { private: false });
const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  if (!/\.[a-z0-9]+$/i.test(path)) {
    // Not corked: held back by res.cork(), the chunks of a streamed page went out empty (a
    // module section lost its text, and the next response on the connection was unreadable).
    void handler(req, res);
    return;
  }
  res.setHeader('X-Content-Type-Options', 'nosniff');
  send(req, path, { root: clientDir, dotfiles: 'deny' })
    .on('headers', () => {
      // The same policy as the pages (an SVG opened directly is a document too; no file may be framed by another site).
      for (const [name, value] of STATIC_HEADERS) res.setHeader(name, value);
      // Built assets carry a content hash in their name: they never change.
      res.setHeader('Cache-Control', path.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    })
    .on('error', () => void handler(req, res))
    .pipe(res);
});
const port = Number(process.env.PORT ?? 4321);
const host = process.env.HOST ?? '0.0.0.0';
server.listen(port, host, () => console.log(`Listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`));

// Satisfaction surveys: invite whoever is due now, then every hour. Idempotent and safe with
// several instances (each invitation is claimed once); the database handle is the server's own
// (shared through globalThis, see src/lib/db/index.ts). unref: the timer never keeps the process up.
const inviteToSurveys = () =>
  sendDueSurveyInvitations(appContext()).then(
    ({ sent }) => sent > 0 && console.log(`[surveys] ${sent} invitation(s) sent`),
    (error: unknown) => console.error('[surveys] invitations failed:', error),
  );
void inviteToSurveys();
setInterval(() => void inviteToSurveys(), 3_600_000).unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
    // With PGlite, the server's database module closes its files, then ends the process;
    // the timer only covers a server that never opened its database.
    if (embedded) setTimeout(() => process.exit(0), 5000).unref();
    else process.exit(0);
  });
