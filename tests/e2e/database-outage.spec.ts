import net from 'node:net';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { startInstance, stopInstance, waitUntilHealthy, type Instance } from '../support/instances.ts';
import { createSession, SESSION_COOKIE } from '../../src/lib/accounts/sessions.ts';

/**
 * The database unreachable for a while, with PostgreSQL itself left running: the production
 * server is started on its own port, reaching the test database through a small TCP proxy that
 * the test cuts and restores. While it is cut, pages answer a French 503 page and APIs French JSON,
 * within seconds and without a stack trace; the process stays up; once it is restored, the next
 * requests succeed without a restart. Two ways to be cut: connections refused and reset (PostgreSQL
 * restarting), or connections accepted and never answered (a network that drops packets).
 * The embedded database (PGlite) runs inside the server's process and cannot become unreachable.
 */

const PORT = Number(process.env.E2E_PORT ?? 4330) + 17;
const base = `http://127.0.0.1:${PORT}`;
const UNREACHABLE = 'La base de données est momentanément injoignable';
/** The pool gives up a connection after 5 s (src/lib/db/index.ts); a little more for the page itself. */
const SILENT_LIMIT_MS = 8_000;
const REFUSED_LIMIT_MS = 2_000;

type Cut = 'refused' | 'silent';

/** A TCP proxy in front of PostgreSQL that can refuse, swallow or forward connections. */
class CuttableProxy {
  #server = net.createServer((client) => this.#accept(client));
  #sockets = new Set<net.Socket>();
  #forwarding = true;
  port = 0;
  target: { host: string; port: number };

  constructor(target: { host: string; port: number }) {
    this.target = target;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  #track(socket: net.Socket): net.Socket {
    this.#sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.#sockets.delete(socket));
    return socket;
  }

  #accept(client: net.Socket): void {
    this.#track(client);
    // Cut « silent »: the connection is accepted, then nothing ever answers.
    if (!this.#forwarding) return;
    const upstream = this.#track(net.connect(this.target.port, this.target.host));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Every open connection is reset; new ones are refused, or accepted and left unanswered. */
  async cut(how: Cut): Promise<void> {
    this.#forwarding = false;
    // close() settles once every connection has ended: reset them first.
    const closed = how === 'refused' ? new Promise<void>((resolve) => this.#server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.#sockets) socket.resetAndDestroy();
    await closed;
  }

  async restore(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#forwarding = true;
    if (!this.#server.listening) await this.listen(this.port);
  }

  async close(): Promise<void> {
    const closed = this.#server.listening ? new Promise<void>((resolve) => this.#server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

/** One request, with how long it took and its body as text. */
async function timed(path: string, init: RequestInit = {}): Promise<{ status: number; body: string; type: string; ms: number; retryAfter: string | null }> {
  const started = Date.now();
  const response = await fetch(base + path, { redirect: 'manual', ...init });
  const body = await response.text();
  return { status: response.status, body, type: response.headers.get('content-type') ?? '', ms: Date.now() - started, retryAfter: response.headers.get('retry-after') };
}

/** What the test started, stopped after it even when it times out (otherwise the server outlives the run). */
let started: { server: Instance; proxy: CuttableProxy } | undefined;
test.afterEach(async () => {
  if (!started) return;
  const { server, proxy } = started;
  started = undefined;
  await stopInstance(server);
  await proxy.close();
});

test('while PostgreSQL cannot be reached, every answer says so in French, the server stays up, and it recovers by itself', async ({ person, db, browser }) => {
  test.setTimeout(120_000);
  const url = new URL(process.env.E2E_DATABASE_URL!);
  const proxy = new CuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
  await proxy.listen();
  const viaProxy = new URL(url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const server = startInstance({ name: 'le serveur coupé de sa base', port: PORT, publicUrl: base, databaseUrl: viaProxy.toString(), trustProxy: false });
  started = { server, proxy };
  await waitUntilHealthy(server, 60_000);
  const coordinator = await person({ givenName: 'Panne', familyName: 'Coordination', roles: ['coordinator'] });
  const { token } = await createSession(db, coordinator.id, { days: 30 });
  const signedIn = { headers: { cookie: `${SESSION_COOKIE}=${token}` } };
  const unknownExport = '/api/exports/00000000-0000-4000-8000-000000000000';
  const login = {
    method: 'POST',
    headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: coordinator.email, password: coordinator.password }).toString(),
  };

  // Everything works, and the pool holds open connections (the cut resets them).
  expect((await timed('/accueil', signedIn)).body).toContain('Bonjour Panne');
  expect((await timed(unknownExport, signedIn)).status).toBe(404);

  for (const how of ['refused', 'silent'] as const) {
    await proxy.cut(how);
    const limit = how === 'refused' ? REFUSED_LIMIT_MS : SILENT_LIMIT_MS;
    const pages = [
      ['signed-in page', await timed('/accueil', signedIn)],
      ['public page reading the database', await timed('/formations')],
      ['sign-in form sent', await timed('/connexion', login)],
    ] as const;
    for (const [what, answer] of pages) {
      expect(answer.status, `${how}: ${what}`).toBe(503);
      expect(answer.type).toContain('text/html');
      expect(answer.body).toContain(UNREACHABLE);
      expect(answer.body).toContain('réessayez dans un instant');
      expect(answer.body).toContain('<html lang="fr"');
      // No error, stack or driver message leaks into the page.
      expect(answer.body).not.toMatch(/ECONN|Error|at .*\.(m?js|ts):\d+|Connection terminated/);
      expect(answer.retryAfter).toBe('10');
      expect(answer.ms, `${how}: ${what} took ${answer.ms} ms`).toBeLessThan(limit);
    }
    const api = await timed(unknownExport, signedIn);
    expect(api.status).toBe(503);
    expect(api.type).toContain('application/json');
    expect(JSON.parse(api.body)).toEqual({ ok: false, message: expect.stringContaining(UNREACHABLE) });
    expect(api.ms).toBeLessThan(limit);
    const health = await timed('/sante');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toEqual({ etat: 'base de données injoignable' });

    if (how === 'refused') {
      // As a person sees it: a page that reads well, in French, and passes axe.
      const context = await browser.newContext();
      await context.addCookies([{ name: SESSION_COOKIE, value: token, url: base, httpOnly: true, sameSite: 'Lax' }]);
      const page = await context.newPage();
      const response = await page.goto(`${base}/accueil`);
      expect(response?.status()).toBe(503);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('La plateforme est momentanément indisponible');
      await expect(page.getByRole('link', { name: 'Réessayer' })).toHaveAttribute('href', '/accueil');
      await expectNoAxeViolations(page);
      await context.close();
    }
    expect(server.process.exitCode, 'the server is still running').toBeNull();

    // Restored: the very next requests succeed, on the same process.
    await proxy.restore();
    expect((await timed('/sante')).status).toBe(200);
    const home = await timed('/accueil', signedIn);
    expect(home.status).toBe(200);
    expect(home.body).toContain('Bonjour Panne');
    expect((await timed(unknownExport, signedIn)).status).toBe(404);
    const signedInAgain = await timed('/connexion', login);
    expect(signedInAgain.status).toBe(303);
  }
  expect(server.process.exitCode).toBeNull();
  expect(server.errors()).not.toMatch(/uncaught|unhandled/i);
});
