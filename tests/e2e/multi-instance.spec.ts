import type { APIRequestContext, APIResponse, PlaywrightWorkerArgs } from '@playwright/test';
import { sql } from 'kysely';
import { test, expect } from './support/fixtures.ts';
import { SERVED_BY, startRoundRobinProxy, type RoundRobinProxy } from './support/proxy.ts';
import { startInstance, stopInstance, waitUntilHealthy, type Instance } from '../support/instances.ts';
import { testContext } from '../support/context.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { createSession, SESSION_COOKIE } from '../../src/lib/accounts/sessions.ts';
import { ACCOUNT_FAILURES, WRONG_CREDENTIALS } from '../../src/lib/accounts/login.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { addSlot, sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { NUMBER_PATTERN } from '../../src/lib/attestations/kinds.ts';

/**
 * Two more production servers on the end-to-end database, behind a proxy that hands requests to
 * each in turn: whatever the platform keeps (sessions, lockouts, codes, numbers), a person going
 * through the proxy must not be able to tell there are two.
 */
// 4360–4362 beside the first server's 4330, shifted with it when a run picks another E2E_PORT.
const PROXY_PORT = Number(process.env.E2E_PORT ?? 4330) + 30;
const BACKENDS = [
  { name: 'A', port: PROXY_PORT + 1 },
  { name: 'B', port: PROXY_PORT + 2 },
] as const;
type Name = (typeof BACKENDS)[number]['name'];

let instances: Instance[] = [];
let proxy: RoundRobinProxy;
const devices: APIRequestContext[] = [];

const servedBy = (response: APIResponse): Name => {
  const name = response.headers()[SERVED_BY];
  expect(name === 'A' || name === 'B', `${SERVED_BY}: ${name}`).toBe(true);
  return name as Name;
};
const other = (name: Name): Name => (name === 'A' ? 'B' : 'A');

/** A client of the proxy with its own cookie jar, signed in already when given a session token. */
async function device(playwright: PlaywrightWorkerArgs['playwright'], token?: string): Promise<APIRequestContext> {
  const cookies = token
    ? [{ name: SESSION_COOKIE, value: token, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' as const }]
    : [];
  const context = await playwright.request.newContext({ baseURL: proxy.url, storageState: { cookies, origins: [] } });
  devices.push(context);
  return context;
}

const get = (client: APIRequestContext, path: string) => client.get(path, { maxRedirects: 0 });
/** A form posted as the browser posts it from a page of the site: with the site's Origin. */
const post = (client: APIRequestContext, path: string, form: Record<string, string>) =>
  client.post(path, { form, maxRedirects: 0, headers: { origin: proxy.url } });

/**
 * A copy of a session cookie, sent by hand (a jar would forget it at the first refusal), from a
 * client of its own.
 */
let copies: APIRequestContext;
const postWithCookie = (token: string, path: string, form: Record<string, string>) =>
  copies.post(path, { form, maxRedirects: 0, headers: { origin: proxy.url, cookie: `${SESSION_COOKIE}=${token}` } });

/** A request through the proxy with a session cookie, by Node's own fetch: no client between, no delay. */
async function quick(token: string, method: 'GET' | 'POST', path: string, body?: string): Promise<Response> {
  const headers: Record<string, string> = { cookie: `${SESSION_COOKIE}=${token}` };
  if (method === 'POST') Object.assign(headers, { origin: proxy.url, 'content-type': 'application/x-www-form-urlencoded' });
  const answer = await fetch(`${proxy.url}${path}`, { method, headers, body, redirect: 'manual' });
  await answer.arrayBuffer();
  return answer;
}

/**
 * How long a page is still served to a session ended elsewhere: an instance drops its cached
 * copy when the database's announcement arrives (ARCHITECTURE.md, « Validated sessions are
 * cached »), in milliseconds as a rule; without announcements, a copy would live 60 s.
 */
const ANNOUNCEMENT_BOUND_MS = 2_000;

/** Asks for a page with an ended session's cookie until both instances refuse it; how long that took. */
async function msUntilBothRefuse(token: string): Promise<number> {
  const started = performance.now();
  const refusedBy = new Set<Name>();
  while (refusedBy.size < 2 && performance.now() - started < 2 * ANNOUNCEMENT_BOUND_MS) {
    const page = await copies.get('/accueil', { maxRedirects: 0, headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    const on = servedBy(page);
    if (page.status() === 303) refusedBy.add(on);
    // An instance that refused the session once never serves it again.
    else expect({ on, status: page.status(), refusedBefore: refusedBy.has(on) }).toEqual({ on, status: 200, refusedBefore: false });
  }
  expect([...refusedBy].sort()).toEqual(['A', 'B']);
  return performance.now() - started;
}

/** Both instances answered at least one of the requests made since `before`. */
function expectBothServedSince(before: Record<string, number>): void {
  for (const { name } of BACKENDS) expect(proxy.served[name]! - (before[name] ?? 0), `requests served by ${name}`).toBeGreaterThan(0);
}

test.describe.serial('several instances on one database behave as one', () => {
  test.beforeAll(async ({ playwright }) => {
    test.setTimeout(60_000);
    const databaseUrl = process.env.E2E_DATABASE_URL;
    if (!databaseUrl) throw new Error('E2E_DATABASE_URL is not set: run the browser tests with `npm run test:e2e`.');
    const publicUrl = `http://127.0.0.1:${PROXY_PORT}`;
    instances = BACKENDS.map((b) => startInstance({ ...b, publicUrl, databaseUrl, trustProxy: true }));
    await Promise.all(instances.map((instance) => waitUntilHealthy(instance)));
    // A request carrying a session cookie makes each instance start listening to the database's
    // announcements (its session cache stays off until then).
    await Promise.all(BACKENDS.map((b) => fetch(`http://127.0.0.1:${b.port}/sante`, { headers: { cookie: `${SESSION_COOKIE}=${'a'.repeat(32)}` } })));
    // An address of its own (TEST-NET-3): the login limit per address counts this file's attempts only.
    const clientAddress = `203.0.113.${1 + Math.floor(Math.random() * 254)}`;
    proxy = await startRoundRobinProxy({ port: PROXY_PORT, backends: [...BACKENDS], clientAddress });
    copies = await playwright.request.newContext({ baseURL: proxy.url });
    devices.push(copies);
  });

  test.afterAll(async () => {
    await Promise.all(devices.map((d) => d.dispose()));
    await proxy?.close();
    await Promise.all(instances.map((instance) => stopInstance(instance)));
  });

  test('a sign-in on one instance holds on the other; a logout or a password change on one ends it on both', async ({ playwright, person, db }) => {
    const before = { ...proxy.served };
    const suffix = Math.random().toString(36).slice(2, 7);
    const camille = await person({ givenName: 'Camille', familyName: `Martin${suffix}`, roles: ['trainee'] });

    // Camille logs in through the form on her laptop: the login lands on one instance...
    const laptop = await device(playwright);
    const login = await post(laptop, '/connexion', { email: camille.email, password: camille.password });
    expect(login.status()).toBe(303);
    expect(login.headers().location).toBe('/accueil');
    const loggedInOn = servedBy(login);
    // ...and every page after it, on the other instance and back, knows her.
    for (const expected of [other(loggedInOn), loggedInOn, other(loggedInOn), loggedInOn]) {
      const home = await get(laptop, '/accueil');
      expect(servedBy(home)).toBe(expected);
      expect(home.status()).toBe(200);
      expect(await home.text()).toContain('Bonjour Camille');
    }

    // She logs out on one instance. A copy of her cookie (a tab left open elsewhere) can no
    // longer change anything: the other instance refuses its very next write, as the first does...
    const token = (await laptop.storageState()).cookies.find((c) => c.name === SESSION_COOKIE)!.value;
    const logout = await post(laptop, '/deconnexion', {});
    expect(logout.status()).toBe(303);
    expect(logout.headers().location).toBe('/connexion?info=deconnecte');
    const loggedOutOn = servedBy(logout);
    for (const expected of [other(loggedOutOn), loggedOutOn]) {
      const write = await postWithCookie(token, '/mon-compte', { intent: 'password', currentPassword: camille.password, newPassword: 'une prise de contrôle ratée' });
      expect(servedBy(write)).toBe(expected);
      expect(write.status()).toBe(303);
      expect(write.headers().location).toBe('/connexion?suite=%2Fmon-compte');
    }
    // ...and both refuse it a page as soon as the database's announcement reaches them.
    expect(await msUntilBothRefuse(token)).toBeLessThan(ANNOUNCEMENT_BOUND_MS);

    // The same race, run as fast as a client can: twenty sessions, each read on both instances
    // (so both cache it), ended on one, then a write from a copy on the other right after.
    for (let n = 0; n < 20; n++) {
      const copy = (await createSession(db, camille.id, { days: 30 })).token;
      for (let i = 0; i < 2; i++) expect((await quick(copy, 'GET', '/accueil')).status).toBe(200);
      const ended = await quick(copy, 'POST', '/deconnexion', '');
      expect(ended.status).toBe(303);
      const write = await quick(copy, 'POST', '/mon-compte', 'intent=password&currentPassword=x&newPassword=une+prise+de+contr%C3%B4le');
      expect(write.headers.get(SERVED_BY)).toBe(other(ended.headers.get(SERVED_BY) as Name));
      expect({ attempt: n, status: write.status, location: write.headers.get('location') }).toEqual({ attempt: n, status: 303, location: '/connexion?suite=%2Fmon-compte' });
    }

    // Signed in on her phone and on a tablet, each seen by both instances...
    const phone = await device(playwright);
    const tablet = await device(playwright);
    for (const client of [phone, tablet]) expect((await post(client, '/connexion', { email: camille.email, password: camille.password })).status()).toBe(303);
    for (const client of [phone, phone, tablet, tablet]) expect((await get(client, '/accueil')).status()).toBe(200);
    const tabletToken = (await tablet.storageState()).cookies.find((c) => c.name === SESSION_COOKIE)!.value;
    // ...she changes her password on the phone: the tablet is signed out on the other instance at
    // once for writes and within the bound for pages; the phone stays signed in on both, and only
    // the new password opens a session.
    const newPassword = 'un autre chemin des calanques';
    const change = await post(phone, '/mon-compte', { intent: 'password', currentPassword: camille.password, newPassword });
    expect(change.status()).toBe(303);
    expect(change.headers().location).toBe('/mon-compte?info=mot-de-passe');
    const changedOn = servedBy(change);
    const tabletWrite = await postWithCookie(tabletToken, '/mon-compte', { intent: 'password', currentPassword: newPassword, newPassword: 'le mot de passe de la tablette' });
    expect(servedBy(tabletWrite)).toBe(other(changedOn));
    expect(tabletWrite.status()).toBe(303);
    expect(tabletWrite.headers().location).toBe('/connexion?suite=%2Fmon-compte');
    expect(await msUntilBothRefuse(tabletToken)).toBeLessThan(ANNOUNCEMENT_BOUND_MS);
    for (let i = 0; i < 2; i++) {
      const home = await get(phone, '/accueil');
      expect(home.status()).toBe(200);
      expect(await home.text()).toContain('Bonjour Camille');
    }
    const oldOne = await post(tablet, '/connexion', { email: camille.email, password: camille.password });
    expect(oldOne.status()).toBe(401);
    expect((await post(tablet, '/connexion', { email: camille.email, password: newPassword })).status()).toBe(303);
    expectBothServedSince(before);
  });

  test('wrong passwords spread over both instances add up to one lockout, after as many tries as on one', async ({ playwright, person }) => {
    const suffix = Math.random().toString(36).slice(2, 7);
    const zoe = await person({ givenName: 'Zoë', familyName: `Lefèvre${suffix}`, roles: ['trainee'] });
    const intruder = await device(playwright);
    const landed: Name[] = [];
    for (let attempt = 1; attempt <= ACCOUNT_FAILURES.limit; attempt++) {
      const wrong = await post(intruder, '/connexion', { email: zoe.email, password: `pas le bon mot de passe ${attempt}` });
      expect(wrong.status(), `wrong password n° ${attempt}`).toBe(401);
      expect(await wrong.text()).toContain(WRONG_CREDENTIALS);
      landed.push(servedBy(wrong));
    }
    // Each instance saw only part of the tries (three and two), yet the account is locked on
    // both: even the right password is refused, whichever instance hears it.
    expect(landed.filter((n) => n === 'A').length).toBeGreaterThan(0);
    expect(landed.filter((n) => n === 'B').length).toBeGreaterThan(0);
    const refusedOn: Name[] = [];
    for (let i = 0; i < 2; i++) {
      const locked = await post(intruder, '/connexion', { email: zoe.email, password: zoe.password });
      expect(locked.status()).toBe(429);
      expect(await locked.text()).toContain('Trop de tentatives pour ce compte');
      refusedOn.push(servedBy(locked));
    }
    expect(refusedOn.sort()).toEqual(['A', 'B']);
  });

  test('both instances show the same rotating code, and the code shown by one is accepted by the other', async ({ playwright, person, db }) => {
    const before = { ...proxy.served };
    const suffix = Math.random().toString(36).slice(2, 7);
    const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
    const trainer = await person({ givenName: 'Nadia', familyName: `Rossi${suffix}`, roles: ['trainer'] });
    const trainee = await person({ givenName: 'Bruno', familyName: `Garcia${suffix}`, roles: ['trainee'] });
    // A session Bruno enrolled in, with a half-day that began a few minutes ago.
    const ctx = testContext(db, new Date());
    const training = await addTraining(ctx, coordinator, { title: `PSSM ${suffix}` });
    const sessionId = await addSession(ctx, { coordinator, trainers: [trainer], training });
    expect((await enrol(ctx, { actorId: trainee.id, actorRoles: trainee.roles, personId: trainee.id, sessionId })).ok).toBe(true);
    const now = Date.now();
    expect((await addSlot(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId, startsAt: new Date(now - 5 * 60_000), endsAt: new Date(now + 3 * 3_600_000) })).ok).toBe(true);
    const slotId = (await sessionOverview(db, sessionId))!.slots[0]!.id;

    // The trainer opens the signing through the half-day's page.
    const laptop = await device(playwright, (await createSession(db, trainer.id, { days: 30 })).token);
    const opened = await post(laptop, `/formation/demi-journees/${slotId}`, { intent: 'open' });
    expect(opened.status()).toBe(303);
    expect(opened.headers().location).toBe(`/formation/demi-journees/${slotId}?info=ouverte`);

    // The trainer's screen polls the live state: asked of one instance, the other, then the first
    // again within the same 30-second period, both show the same code.
    interface Live {
      on: Name;
      code: string | null;
      counts: { present: number };
    }
    const live = async (): Promise<Live> => {
      const answer = await get(laptop, `/api/demi-journees/${slotId}`);
      expect(answer.status()).toBe(200);
      return { on: servedBy(answer), ...((await answer.json()) as Omit<Live, 'on'>) };
    };
    let shown: Live | undefined;
    // A code changes every 30 s: three tries cannot all straddle a change.
    for (let tries = 0; tries < 3 && !shown; tries++) {
      const [first, second, third] = [await live(), await live(), await live()];
      expect(second.on).toBe(other(first.on));
      expect(third.on).toBe(first.on);
      if (first.code !== third.code) continue;
      expect(first.code).toMatch(/^\d{6}$/);
      expect(second.code).toBe(first.code);
      shown = third;
    }
    expect(shown, 'a code read twice on one instance without changing').toBeDefined();

    // Bruno types the code the first instance showed; the other instance takes it.
    const phone = await device(playwright, (await createSession(db, trainee.id, { days: 30 })).token);
    const signed = await post(phone, '/emargement', { code: shown!.code! });
    expect(servedBy(signed)).toBe(other(shown!.on));
    expect(signed.status()).toBe(200);
    expect(await signed.text()).toContain('C’est signé');
    const records = await db.selectFrom('attendance_record').select(['status', 'method']).where('slot_id', '=', slotId).where('person_id', '=', trainee.id).execute();
    expect(records).toEqual([{ status: 'present', method: 'code' }]);

    // Both instances' live views count him present (each keeps the list at most a second).
    await expect
      .poll(async () => [await live(), await live()].map((l) => `${l.on}: ${l.counts.present}`).sort(), { timeout: 5_000 })
      .toEqual(['A: 1', 'B: 1']);
    expectBothServedSince(before);
  });

  test('attestations issued at once through both instances get unique, gap-free numbers', async ({ playwright, person, db }) => {
    const before = { ...proxy.served };
    const suffix = Math.random().toString(36).slice(2, 7);
    const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
    const trainer = await person({ givenName: 'Nadia', familyName: `Rossi${suffix}`, roles: ['trainer'] });
    const participants = [];
    for (const given of ['Amina', 'Bruno', 'Chloé', 'Élodie', 'Inès'])
      participants.push(await person({ givenName: given, familyName: `Haddad${suffix}`, roles: ['trainee'] }));
    const ctx = testContext(db, new Date());
    const training = await addTraining(ctx, coordinator, { title: `PSSM ${suffix}` });
    const sessionId = await finishedSession(ctx, {
      coordinator,
      trainer,
      training,
      participants: participants.map((p) => ({ person: p, presence: [true, true, true, true] })),
    });
    const office = await device(playwright, (await createSession(db, coordinator.id, { days: 30 })).token);
    const page = `/formation/seances/${sessionId}/attestations`;

    // Ten attestations, each asked for twice, all twenty requests at once: the proxy spreads them
    // over both instances.
    const asks = participants.flatMap((p) => (['end_of_training', 'attendance'] as const).flatMap((kind) => [{ p, kind }, { p, kind }]));
    const answers = await Promise.all(
      asks.map(async ({ p, kind }) => {
        const answer = await post(office, page, { kind, person: p.id });
        const text = await answer.text();
        const made = /n° (EP-\d{4}-\d{6}) délivrée/.exec(text)?.[1];
        const held = /déjà l’attestation n° (EP-\d{4}-\d{6})/.exec(text)?.[1];
        return { key: `${p.id}:${kind}`, on: servedBy(answer), status: answer.status(), made, held };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(asks.map(() => 200));
    expect(new Set(answers.map((a) => a.on))).toEqual(new Set(['A', 'B']));
    // Each attestation was made once, and the second ask was told its number.
    const made = answers.filter((a) => a.made);
    expect(made).toHaveLength(10);
    expect(new Set(made.map((a) => a.key)).size).toBe(10);
    expect(new Set(made.map((a) => a.made)).size).toBe(10);
    for (const a of answers.filter((x) => !x.made)) expect(a.held).toBe(made.find((m) => m.key === a.key)!.made);

    // The coordination presses « Certificat de réalisation » on both instances at once: one batch
    // issues the five, the other press follows it or finds nothing left to do.
    const presses = await Promise.all([post(office, page, { kind: 'completion_certificate' }), post(office, page, { kind: 'completion_certificate' })]);
    expect(presses.map(servedBy).sort()).toEqual(['A', 'B']);
    for (const press of presses) {
      expect(press.status()).toBe(303);
      expect(press.headers().location).toMatch(new RegExp(`^${page}\\?lot=[0-9a-f-]{36}$`));
    }
    await expect
      .poll(async () => (await db.selectFrom('attestation_batch').select(['finished_at', 'failure', 'issued']).where('session_id', '=', sessionId).execute()).every((b) => b.finished_at && !b.failure), { timeout: 10_000 })
      .toBe(true);

    // On record: fifteen attestations, one per person and kind, fifteen different numbers...
    const rows = await db.selectFrom('attestation').select(['number', 'person_id', 'kind']).where('session_id', '=', sessionId).execute();
    expect(rows).toHaveLength(15);
    expect(new Set(rows.map((r) => `${r.person_id}:${r.kind}`)).size).toBe(15);
    expect(new Set(rows.map((r) => r.number)).size).toBe(15);
    for (const m of made) expect(rows.map((r) => r.number)).toContain(m.made);
    // ...and the year's numbers, these and any other test's, run from 1 to the counter without a
    // gap (one statement: one snapshot, whatever other tests are issuing meanwhile).
    const year = Number(NUMBER_PATTERN.exec(rows[0]!.number)![1]);
    const { rows: tally } = await sql<{ last: number; numbers: string; lowest: number; highest: number }>`
      SELECT c.last_number AS last, count(DISTINCT a.number) AS numbers,
             min(substr(a.number, 9)::int) AS lowest, max(substr(a.number, 9)::int) AS highest
      FROM attestation_counter c JOIN attestation a ON a.year = c.year
      WHERE c.year = ${year} GROUP BY c.last_number`.execute(db);
    expect(tally).toHaveLength(1);
    const { last, numbers, lowest, highest } = tally[0]!;
    expect({ numbers: Number(numbers), lowest, highest }).toEqual({ numbers: last, lowest: 1, highest: last });
    expectBothServedSince(before);
  });
});
