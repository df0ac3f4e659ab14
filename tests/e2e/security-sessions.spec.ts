import { test, expect } from './support/fixtures.ts';
import { freshAddress, isSession, rawRequest, type RawResponse } from './support/security.ts';
import { createSession } from '../../src/lib/accounts/sessions.ts';
import { generateToken } from '../../src/lib/accounts/tokens.ts';
import { isSecureOrigin, parseConfig } from '../../src/lib/config.ts';
import { setSessionCookie, deleteSessionCookie } from '../../src/lib/web/session-cookie.ts';
import { lastEmailTo, tokenFromLink } from '../support/mailbox.ts';
import type { WorldPerson } from '../support/world.ts';
import type { AstroCookies } from 'astro';

/**
 * Sessions as an attacker meets them: a token planted before login, a logout, a password
 * changed or reset while another device is signed in, and the cookie's flags. Logins go through
 * the real form, each test from a loopback address of its own (login attempts count per address).
 */

const DAY_MS = 86_400_000;

async function logIn(baseURL: string, from: string, who: { email: string; password: string }, cookie?: string): Promise<RawResponse> {
  return rawRequest(baseURL, '/connexion', { from, cookie, headers: { origin: baseURL }, form: { email: who.email, password: who.password } });
}

/** Where a request with this session token ends up: the page (200) or the login page. */
async function opens(baseURL: string, token: string, path = '/accueil'): Promise<'signed in' | 'sent to login'> {
  const response = await rawRequest(baseURL, path, { cookie: token });
  if (response.status === 200) return 'signed in';
  expect(response.status).toBe(303);
  expect(response.headers.location).toMatch(/^\/connexion\?suite=/);
  return 'sent to login';
}

test('a session token planted before login is never adopted, and every login gets a fresh one', async ({ person, db, baseURL }) => {
  const from = freshAddress();
  const victim = await person({ givenName: 'Inès', familyName: 'Fixation', roles: ['trainee'] });
  const attacker = await person({ givenName: 'Malo', familyName: 'Attaquant', roles: ['trainee'] });

  // A token the attacker made up (well-formed) is unknown: the server clears it rather than keep it.
  const invented = generateToken();
  const loginPage = await rawRequest(baseURL!, '/connexion', { from, cookie: invented });
  expect(loginPage.status).toBe(200);
  expect(loginPage.sessionCookie).toBe('');

  const login = await logIn(baseURL!, from, victim, invented);
  expect(login.status).toBe(303);
  expect(login.headers.location).toBe('/accueil');
  const issued = login.sessionCookie!;
  expect(issued).toMatch(/^[a-z2-7]{32}$/);
  expect(issued).not.toBe(invented);
  expect(await isSession(db, invented)).toBe(false);
  expect(await isSession(db, issued)).toBe(true);
  expect(await opens(baseURL!, invented)).toBe('sent to login');
  // Only the token's hash is stored: the table alone opens nothing.
  expect(await db.selectFrom('auth_session').select('id').where('id', '=', issued).executeTakeFirst()).toBeUndefined();

  // The attacker's own valid session, planted in the victim's browser: logging in replaces it.
  const { token: planted } = await createSession(db, attacker.id, { days: 30 });
  const again = await logIn(baseURL!, from, victim, planted);
  expect(again.status).toBe(303);
  const second = again.sessionCookie!;
  expect(second).toMatch(/^[a-z2-7]{32}$/);
  expect([planted, issued, invented]).not.toContain(second);
  const home = await rawRequest(baseURL!, '/mon-compte', { cookie: second });
  expect(home.body).toContain(victim.email);
  expect(home.body).not.toContain(attacker.email);
});

test('the session cookie is HttpOnly, SameSite=Lax, on the whole site, and Secure whenever the site is served over HTTPS', async ({ person, baseURL }) => {
  const someone = await person({ givenName: 'Cookie', familyName: 'Drapeaux', roles: ['trainee'] });
  const login = await logIn(baseURL!, freshAddress(), someone);
  const cookie = login.setCookies.find((c) => c.startsWith('esper_session='))!;
  const attributes = cookie.split(';').slice(1).map((a) => a.trim());
  const lower = attributes.map((a) => a.toLowerCase());
  expect(lower).toContain('httponly');
  expect(lower).toContain('samesite=lax');
  expect(lower).toContain('path=/');
  expect(lower.some((a) => a.startsWith('domain='))).toBe(false);
  const expires = Date.parse(attributes.find((a) => /^expires=/i.test(a))!.slice('expires='.length));
  expect(Math.abs(expires - (Date.now() + 30 * DAY_MS))).toBeLessThan(60_000);
  // This server is plain HTTP (PUBLIC_URL http://127.0.0.1…): a Secure cookie would never come back.
  expect(lower).not.toContain('secure');

  const logout = await rawRequest(baseURL!, '/deconnexion', { method: 'POST', cookie: login.sessionCookie, headers: { origin: baseURL! } });
  const cleared = logout.setCookies.find((c) => c.startsWith('esper_session='))!.toLowerCase();
  expect(cleared).toMatch(/^esper_session=;/);
  expect(cleared).toContain('max-age=0');
  expect(cleared).toContain('httponly');

  // Over HTTPS the same two functions add Secure (checked on their options: this server is HTTP).
  expect(isSecureOrigin(parseConfig({ PUBLIC_URL: 'https://parcours.esper-pro.fr' }))).toBe(true);
  expect(isSecureOrigin(parseConfig({ PUBLIC_URL: 'http://localhost:4321' }))).toBe(false);
  const options: Array<Record<string, unknown>> = [];
  const cookies = { set: (_name: string, _value: string, o: Record<string, unknown>) => void options.push(o) } as unknown as AstroCookies;
  setSessionCookie(cookies, generateToken(), new Date(Date.now() + DAY_MS));
  deleteSessionCookie(cookies);
  for (const o of options) expect(o).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/', secure: isSecureOrigin() });
});

test('logging out ends the session on the server: the old cookie opens nothing anywhere', async ({ person, db, baseURL }) => {
  const trainee = await person({ givenName: 'Léa', familyName: 'Déconnexion', roles: ['trainee'] });
  const login = await logIn(baseURL!, freshAddress(), trainee);
  const token = login.sessionCookie!;
  // Used twice, so that the server's session cache holds it too.
  expect(await opens(baseURL!, token)).toBe('signed in');
  expect(await opens(baseURL!, token, '/mon-compte')).toBe('signed in');

  // A link (GET) cannot sign anyone out: a crawler or an image tag would.
  const viaLink = await rawRequest(baseURL!, '/deconnexion', { cookie: token });
  expect(viaLink.status).toBe(303);
  expect(await isSession(db, token)).toBe(true);

  const logout = await rawRequest(baseURL!, '/deconnexion', { method: 'POST', cookie: token, headers: { origin: baseURL! } });
  expect(logout.status).toBe(303);
  expect(logout.headers.location).toBe('/connexion?info=deconnecte');
  expect(await isSession(db, token)).toBe(false);
  // The same cookie kept by another device (or copied by an attacker), on a page, a download and an API.
  expect(await opens(baseURL!, token)).toBe('sent to login');
  expect(await opens(baseURL!, token, '/mon-compte/donnees')).toBe('sent to login');
  const api = await rawRequest(baseURL!, '/api/xapi', { cookie: token, headers: { origin: baseURL! }, json: {} });
  expect(api.status).toBe(401);
  expect(JSON.parse(api.body).message).toMatch(/reconnectez-vous/);

  // An expired session opens nothing either, and is removed.
  const { token: old } = await createSession(db, trainee.id, { days: 30, now: new Date(Date.now() - 31 * DAY_MS) });
  expect(await opens(baseURL!, old)).toBe('sent to login');
  expect(await isSession(db, old)).toBe(false);
});

async function twoDevices(db: Parameters<typeof createSession>[0], baseURL: string, who: WorldPerson) {
  const from = freshAddress();
  const laptop = (await logIn(baseURL, from, who)).sessionCookie!;
  const { token: phone } = await createSession(db, who.id, { days: 30 });
  expect(await opens(baseURL, laptop)).toBe('signed in');
  expect(await opens(baseURL, phone)).toBe('signed in');
  return { from, laptop, phone };
}

test('changing the password signs out every other device, as the page says', async ({ person, db, baseURL }) => {
  const trainer = await person({ givenName: 'Élodie', familyName: 'Appareils', roles: ['trainer'] });
  const { from, laptop, phone } = await twoDevices(db, baseURL!, trainer);
  const page = await rawRequest(baseURL!, '/mon-compte', { cookie: laptop });
  expect(page.body).toContain('Vos connexions sur d’autres appareils seront fermées.');

  // A wrong current password changes nothing and closes nothing.
  const wrong = await rawRequest(baseURL!, '/mon-compte', { cookie: laptop, headers: { origin: baseURL! }, form: { intent: 'password', currentPassword: 'pas le bon mot de passe', newPassword: 'une toute nouvelle phrase' } });
  expect(wrong.status).toBe(400);
  expect(wrong.body).toContain('Le mot de passe actuel est incorrect.');
  expect(await isSession(db, phone)).toBe(true);

  const changed = await rawRequest(baseURL!, '/mon-compte', { cookie: laptop, headers: { origin: baseURL! }, form: { intent: 'password', currentPassword: trainer.password, newPassword: 'une toute nouvelle phrase' } });
  expect(changed.status).toBe(303);
  expect(changed.headers.location).toBe('/mon-compte?info=mot-de-passe');
  expect(await opens(baseURL!, phone)).toBe('sent to login');
  expect(await isSession(db, phone)).toBe(false);
  expect(await opens(baseURL!, laptop)).toBe('signed in');
  expect((await rawRequest(baseURL!, '/mon-compte?info=mot-de-passe', { cookie: laptop })).body).toContain('Vos autres connexions ont été fermées.');

  // The old password opens nothing; the new one does.
  expect((await logIn(baseURL!, from, trainer)).status).toBe(401);
  expect((await logIn(baseURL!, from, { email: trainer.email, password: 'une toute nouvelle phrase' })).status).toBe(303);
});

test('a password reset signs out every device, and its link works once', async ({ person, db, baseURL }) => {
  const trainee = await person({ givenName: 'Yasmine', familyName: 'Réinitialise', roles: ['trainee'] });
  const { from, laptop, phone } = await twoDevices(db, baseURL!, trainee);
  const asked = await rawRequest(baseURL!, '/mot-de-passe-oublie', { from, headers: { origin: baseURL! }, form: { email: trainee.email } });
  expect(asked.status).toBe(303);
  const jeton = tokenFromLink((await lastEmailTo(db, trainee.email)).body_text, '/mot-de-passe/nouveau');

  const reset = await rawRequest(baseURL!, '/mot-de-passe/nouveau', { from, headers: { origin: baseURL! }, form: { jeton, password: 'un nouveau départ serein' } });
  expect(reset.status).toBe(303);
  expect(reset.headers.location).toBe('/connexion?info=mot-de-passe');
  expect(await opens(baseURL!, laptop)).toBe('sent to login');
  expect(await opens(baseURL!, phone)).toBe('sent to login');
  expect(await db.selectFrom('auth_session').select('id').where('person_id', '=', trainee.id).execute()).toEqual([]);

  // The link is used up: a second use (someone who read the email later) changes nothing.
  const replay = await rawRequest(baseURL!, '/mot-de-passe/nouveau', { from, headers: { origin: baseURL! }, form: { jeton, password: 'le mot de passe du voleur' } });
  expect(replay.status).toBe(400);
  expect((await logIn(baseURL!, from, { email: trainee.email, password: 'le mot de passe du voleur' })).status).toBe(401);
  expect((await logIn(baseURL!, from, { email: trainee.email, password: 'un nouveau départ serein' })).status).toBe(303);
});
