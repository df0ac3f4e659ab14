import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import { addressOf, isSession, routeFiles, signedInRequest, UNSAFE_METHODS } from './support/security.ts';
import { hashToken } from '../../src/lib/accounts/tokens.ts';
import { createSession, SESSION_COOKIE } from '../../src/lib/accounts/sessions.ts';

/**
 * Cross-site request forgery: a page of another site makes the browser of a signed-in person
 * send a write (a form, a fetch). Every write must come from a page of this site; anything else
 * is refused with a French 403 before the page runs, and changes nothing.
 */

const REFUSED = /^Requête refusée : elle ne vient pas d’une page de ce site\.$/;
const EVIL = 'https://evil.example';

type Variant = { name: string; headers: (baseURL: string) => Record<string, string>; body: 'form' | 'json' | 'multipart' | 'text' };
/** The ways another site, a sandboxed frame or an old browser may send a write. */
const VARIANTS: Variant[] = [
  { name: 'formulaire depuis un autre site', headers: () => ({ origin: EVIL }), body: 'form' },
  { name: 'JSON depuis un autre site', headers: () => ({ origin: EVIL }), body: 'json' },
  { name: 'multipart depuis un autre site', headers: () => ({ origin: EVIL }), body: 'multipart' },
  { name: 'text/plain depuis un autre site', headers: () => ({ origin: EVIL }), body: 'text' },
  { name: 'Origin null (cadre sandboxé)', headers: () => ({ origin: 'null' }), body: 'json' },
  { name: 'même hôte, autre port', headers: (b) => ({ origin: `${new URL(b).protocol}//${new URL(b).hostname}:${Number(new URL(b).port) + 1}` }), body: 'form' },
  { name: 'même hôte, autre schéma', headers: (b) => ({ origin: b.replace(/^http:/, 'https:') }), body: 'form' },
  { name: 'sans Origin, Sec-Fetch-Site: cross-site', headers: () => ({ 'sec-fetch-site': 'cross-site' }), body: 'json' },
  { name: 'sans Origin, Sec-Fetch-Site: same-site', headers: () => ({ 'sec-fetch-site': 'same-site' }), body: 'form' },
  { name: 'sans Origin ni Sec-Fetch-Site', headers: () => ({}), body: 'form' },
];

const FIELDS = { intent: 'delete', entry: randomUUID(), email: 'victime@exemple.fr', password: 'une phrase de passe solide' };
function bodyOf(kind: Variant['body']) {
  if (kind === 'form') return { form: FIELDS };
  if (kind === 'multipart') return { multipart: FIELDS };
  if (kind === 'text') return { data: 'intent=delete', headers: { 'content-type': 'text/plain' } };
  return { data: FIELDS };
}

/** Sends one write; returns why it is not the expected refusal, or null. */
async function refusal(request: APIRequestContext, baseURL: string, method: string, path: string, variant: Variant): Promise<string | null> {
  const body = bodyOf(variant.body);
  const response = await request.fetch(path, {
    method,
    ...body,
    headers: { ...('headers' in body ? body.headers : {}), ...variant.headers(baseURL) },
    maxRedirects: 0,
  });
  const what = `${method} ${path} (${variant.name})`;
  if (response.status() !== 403) return `${what}: ${response.status()}`;
  const text = await response.text();
  let message = '';
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? '';
  } catch {
    return `${what}: not the French refusal: ${text.slice(0, 80)}`;
  }
  if (!REFUSED.test(message)) return `${what}: ${message}`;
  const headers = response.headers();
  if (headers['x-content-type-options'] !== 'nosniff' || !headers['content-security-policy']?.includes("frame-ancestors 'none'")) return `${what}: refused without the security headers`;
  if (headers['set-cookie']?.includes(SESSION_COOKIE)) return `${what}: the refusal touched the session cookie`;
  return null;
}

test('every write route refuses writes from another site, whatever the body, with a French 403', async ({ playwright, person, db, baseURL }) => {
  test.setTimeout(60_000);
  const routes = routeFiles();
  const writeRoutes = routes.filter((r) => r.writes.length > 0);
  // The enumeration finds what it should (a regex that silently matched nothing would prove nothing).
  expect(writeRoutes.length).toBeGreaterThanOrEqual(35);
  for (const known of ['/connexion', '/deconnexion', '/api/xapi', '/mon-parcours/carnet', '/api/demi-journees/[id]/signatures', '/admin/personnes/[id]'])
    expect(writeRoutes.map((r) => r.route), known).toContain(known);

  // Someone with every role, so that no refusal comes from the access table instead.
  const everyone = await person({ givenName: 'Tous', familyName: 'Rôles', roles: ['admin', 'coordinator', 'trainer', 'trainee', 'professional'] });
  const { request, token } = await signedInRequest(playwright, db, baseURL!, everyone, { sameOrigin: false });

  const cases: Array<{ method: string; path: string; variant: Variant }> = [];
  let handled = 0;
  for (const { route, writes } of routes) {
    const path = addressOf(route, randomUUID());
    for (const method of UNSAFE_METHODS) {
      // A method the file handles gets every variant; any other write method, and every route
      // (a page may start handling a POST without this enumeration seeing it), the two common ones.
      const variants = writes.includes(method) ? VARIANTS : VARIANTS.slice(0, 2);
      if (writes.includes(method)) handled++;
      for (const variant of variants) cases.push({ method, path, variant });
    }
  }
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += 16) {
    const batch = await Promise.all(cases.slice(i, i + 16).map((c) => refusal(request, baseURL!, c.method, c.path, c.variant)));
    failures.push(...batch.filter((f): f is string => f !== null));
  }
  expect(failures).toEqual([]);
  // The person is still signed in: none of these requests ended or replaced the session.
  expect(await isSession(db, token)).toBe(true);
  const summary = `${writeRoutes.length} write routes × their ${handled} handled methods × ${VARIANTS.length} variants, and ${routes.length} routes × ${UNSAFE_METHODS.length} methods × 2 variants: ${cases.length} cross-site writes refused`;
  test.info().annotations.push({ type: 'csrf', description: summary });
  console.log(summary);
  await request.dispose();
});

test('a forged write changes nothing, while the same write from the site goes through', async ({ playwright, person, db, baseURL }) => {
  const trainee = await person({ givenName: 'Camille', familyName: 'Forgée', roles: ['trainee'] });
  await db.insertInto('pathway_member').values({ person_id: trainee.id, stage: 2 }).execute();
  const entry = await db
    .insertInto('journal_entry')
    .values({ author_id: trainee.id, stage: 2, body: 'Une note à garder.', written_at: new Date(), updated_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { request, token } = await signedInRequest(playwright, db, baseURL!, trainee, { sameOrigin: false });
  const fromSite = { origin: baseURL! };
  const { token: phoneToken } = await createSession(db, trainee.id, { days: 30 });
  const passwordBefore = (await db.selectFrom('person').select('password_hash').where('id', '=', trainee.id).executeTakeFirstOrThrow()).password_hash;
  const statement = { moduleId: 'retablissement', activityId: 'retablissement-quiz', statement: { id: randomUUID(), verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw: 6, max: 6, scaled: 1 } } } };

  const forged: Array<Record<string, string>> = [{ origin: EVIL }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, {}];
  for (const headers of forged) {
    // Deleting a note of the carnet de bord.
    expect((await request.post('/mon-parcours/carnet', { form: { intent: 'delete', entry: entry.id }, headers })).status()).toBe(403);
    expect((await request.post('/mon-parcours/carnet', { data: { intent: 'delete', entry: entry.id }, headers })).status()).toBe(403);
    // Changing the password (which would also sign the other devices out).
    expect((await request.post('/mon-compte', { form: { intent: 'password', currentPassword: trainee.password, newPassword: 'une phrase choisie par un autre site' }, headers })).status()).toBe(403);
    // A result posted in the learner's name (what an H5P package would try from its sandbox: Origin null).
    expect((await request.post('/api/xapi', { data: statement, headers })).status()).toBe(403);
    // Signing the person out.
    expect((await request.post('/deconnexion', { headers })).status()).toBe(403);
  }
  expect(await db.selectFrom('journal_entry').select('body').where('id', '=', entry.id).executeTakeFirst()).toEqual({ body: 'Une note à garder.' });
  expect((await db.selectFrom('person').select('password_hash').where('id', '=', trainee.id).executeTakeFirstOrThrow()).password_hash).toBe(passwordBefore);
  expect(await db.selectFrom('activity_result').select('id').where('person_id', '=', trainee.id).execute()).toEqual([]);
  expect(await isSession(db, token)).toBe(true);
  expect(await isSession(db, phoneToken)).toBe(true);

  // The same writes from the site itself are accepted: the refusals above came from their origin alone.
  expect((await request.post('/api/xapi', { data: statement, headers: fromSite })).status()).toBe(201);
  expect(await db.selectFrom('activity_result').select('person_id').where('person_id', '=', trainee.id).execute()).toHaveLength(1);
  const deleted = await request.post('/mon-parcours/carnet', { form: { intent: 'delete', entry: entry.id }, headers: fromSite });
  expect(deleted.status()).toBe(303);
  expect(await db.selectFrom('journal_entry').select('id').where('id', '=', entry.id).executeTakeFirst()).toBeUndefined();
  expect((await request.post('/deconnexion', { headers: fromSite })).status()).toBe(303);
  expect(await db.selectFrom('auth_session').select('id').where('id', '=', hashToken(token)).executeTakeFirst()).toBeUndefined();
  await request.dispose();
});
