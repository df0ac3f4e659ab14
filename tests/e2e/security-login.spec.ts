import { test, expect } from './support/fixtures.ts';
import { freshAddress, isSession, rawRequest, visibleText } from './support/security.ts';
import { WRONG_CREDENTIALS } from '../../src/lib/accounts/login.ts';
import { createSession } from '../../src/lib/accounts/sessions.ts';
import { codeAt, codeCounter, currentCode, newCodeSecret } from '../../src/lib/attendance/codes.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { testContext } from '../support/context.ts';
import { emailsTo } from '../support/mailbox.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { addPerson } from '../support/world.ts';

/**
 * Guessing and probing: passwords tried again and again, reset and registration forms used to
 * flood or to find out who has an account, sign-in codes guessed. Each test sends from a
 * loopback address of its own, so that the limits it reaches are its own.
 */

const ACCOUNT_LOCKED = 'Trop de tentatives pour ce compte : il est verrouillé pendant 15 minutes. Vous pouvez aussi réinitialiser votre mot de passe.';
const CONNECTION_LOCKED = /Trop de tentatives de connexion depuis cette connexion\. Réessayez dans (15|14) minutes\./;
const TOO_MANY_REQUESTS = 'Trop de demandes depuis cette connexion. Réessayez dans une heure.';

const login = (baseURL: string, from: string, email: string, password: string, headers: Record<string, string> = {}) =>
  rawRequest(baseURL, '/connexion', { from, headers: { origin: baseURL, ...headers }, form: { email, password } });

test('five wrong passwords lock the account for 15 minutes, even against the right password and from elsewhere; others are unaffected', async ({ person, db, baseURL }) => {
  const from = freshAddress();
  const target = await person({ givenName: 'Cible', familyName: 'Verrou', roles: ['trainee'] });
  const bystander = await person({ givenName: 'Voisin', familyName: 'Libre', roles: ['trainee'] });
  for (let i = 0; i < 5; i++) {
    const wrong = await login(baseURL!, from, target.email, `essai numéro ${i} qui rate`);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain(WRONG_CREDENTIALS);
  }
  for (const [where, email] of [[from, target.email], [freshAddress(), target.email], [freshAddress(), `  ${target.email.toUpperCase()} `]] as const) {
    const locked = await login(baseURL!, where, email, target.password);
    expect(locked.status, email).toBe(429);
    expect(visibleText(locked.body)).toContain(ACCOUNT_LOCKED);
    expect(locked.sessionCookie).toBeUndefined();
  }
  expect(await db.selectFrom('auth_session').select('id').where('person_id', '=', target.id).execute()).toEqual([]);
  // Another account from the same connection still gets in.
  const other = await login(baseURL!, from, bystander.email, bystander.password);
  expect(other.status).toBe(303);
  expect(await isSession(db, other.sessionCookie!)).toBe(true);
});

test('one connection may try 30 logins in 15 minutes; a forged X-Forwarded-For does not reset it; another connection is unaffected', async ({ person, baseURL }) => {
  test.setTimeout(60_000);
  const from = freshAddress();
  const someone = await person({ givenName: 'Rafale', familyName: 'Essais', roles: ['trainee'] });
  const guessed = `inconnu.${Date.now()}@exemple.fr`;
  for (let i = 0; i < 30; i++) {
    const attempt = await login(baseURL!, from, guessed, `essai ${i} au hasard`);
    // 401 for the five first, then the account's lock: neither is the connection's lock yet.
    expect([401, 429]).toContain(attempt.status);
    expect(attempt.body).not.toMatch(CONNECTION_LOCKED);
  }
  const blocked = await login(baseURL!, from, someone.email, someone.password);
  expect(blocked.status).toBe(429);
  expect(visibleText(blocked.body)).toMatch(CONNECTION_LOCKED);
  expect(blocked.sessionCookie).toBeUndefined();
  const spoofed = await login(baseURL!, from, someone.email, someone.password, { 'x-forwarded-for': '203.0.113.7' });
  expect(spoofed.status).toBe(429);
  expect((await login(baseURL!, freshAddress(), someone.email, someone.password)).status).toBe(303);
});

test('reset links: three an hour per address, ten requests an hour per connection, the same answer throughout', async ({ person, db, baseURL }) => {
  const from = freshAddress();
  const known = await person({ givenName: 'Oubli', familyName: 'Répété', roles: ['trainee'] });
  const ask = (email: string, where = from) => rawRequest(baseURL!, '/mot-de-passe-oublie', { from: where, headers: { origin: baseURL! }, form: { email } });
  for (let i = 0; i < 4; i++) {
    const asked = await ask(known.email);
    expect(asked.status).toBe(303);
    expect(asked.headers.location).toBe('/mot-de-passe-oublie?envoye=1');
  }
  expect((await emailsTo(db, known.email)).filter((e) => e.subject === 'Choisir un nouveau mot de passe')).toHaveLength(3);
  for (let i = 0; i < 6; i++) expect((await ask(`personne.${i}.${Date.now()}@exemple.fr`)).status).toBe(303);
  const refused = await ask(`encore.${Date.now()}@exemple.fr`);
  expect(refused.status).toBe(429);
  expect(visibleText(refused.body)).toContain(TOO_MANY_REQUESTS);
  expect((await ask(`ailleurs.${Date.now()}@exemple.fr`, freshAddress())).status).toBe(303);
});

test('registrations: ten an hour per connection', async ({ person, db, baseURL }) => {
  const from = freshAddress();
  const known = await person({ givenName: 'Inscrite', familyName: 'Déjà', roles: ['trainee'] });
  const register = (where = from) =>
    rawRequest(baseURL!, '/inscription', {
      from: where,
      headers: { origin: baseURL! },
      form: { givenName: 'Robot', familyName: 'Insistant', email: known.email, password: 'une phrase de passe solide', role: 'trainee' },
    });
  for (let i = 0; i < 10; i++) expect((await register()).status).toBe(303);
  const refused = await register();
  expect(refused.status).toBe(429);
  expect(visibleText(refused.body)).toContain(TOO_MANY_REQUESTS);
  expect((await emailsTo(db, known.email)).filter((e) => e.subject === 'Une inscription a été tentée avec votre adresse')).toHaveLength(10);
  expect((await register(freshAddress())).status).toBe(303);
});

test('sign-in codes: after ten wrong codes, even the right one waits 10 minutes; another participant signs', async ({ person, db, playwright, baseURL }) => {
  const coordinator = await person({ givenName: 'Coord', familyName: 'Codes', roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Formatrice', familyName: 'Codes', roles: ['trainer'] });
  const guesser = await person({ givenName: 'Devine', familyName: 'Code', roles: ['trainee'] });
  const neighbour = await person({ givenName: 'Voisine', familyName: 'Code', roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const sessionId = await addSession(ctx, { coordinator, trainers: [trainer], training: await addTraining(ctx, coordinator) });
  for (const p of [guesser, neighbour]) await enrol(ctx, { actorId: p.id, actorRoles: p.roles, personId: p.id, sessionId });
  const slot = (await sessionOverview(db, sessionId))!.slots[0]!;
  const secret = newCodeSecret();
  // Opened straight in the table: opening at the right hour is tested with attendance.
  await db.updateTable('session_slot').set({ opened_at: new Date(), opened_by: trainer.id, code_secret: secret }).where('id', '=', slot.id).execute();
  const counter = codeCounter(new Date());
  const live = new Set([counter - 1, counter, counter + 1, counter + 2].map((c) => codeAt(secret, c)));
  const wrongCodes = Array.from({ length: 20 }, (_, i) => String(100000 + i * 37)).filter((c) => !live.has(c)).slice(0, 10);

  const as = async (who: typeof guesser) => {
    const { token } = await createSession(db, who.id, { days: 30 });
    return playwright.request.newContext({ baseURL, maxRedirects: 0, extraHTTPHeaders: { origin: baseURL!, cookie: `esper_session=${token}` } });
  };
  const guessing = await as(guesser);
  for (const code of wrongCodes) {
    const attempt = await guessing.post('/emargement', { form: { code } });
    expect(attempt.status()).toBe(400);
    expect(visibleText(await attempt.text())).toContain('Ce code n’est pas valide ou a expiré');
  }
  const right = await guessing.post('/emargement', { form: { code: currentCode(secret, new Date()).code } });
  expect(right.status()).toBe(429);
  expect(visibleText(await right.text())).toContain('Trop de codes erronés : attendez 10 minutes');
  expect(await db.selectFrom('attendance_record').select('id').where('slot_id', '=', slot.id).where('person_id', '=', guesser.id).execute()).toEqual([]);

  const signing = await as(neighbour);
  const signed = await signing.post('/emargement', { form: { code: currentCode(secret, new Date()).code } });
  expect(signed.status()).toBe(200);
  expect(visibleText(await signed.text())).toContain('C’est signé');
  await Promise.all([guessing.dispose(), signing.dispose()]);
});

test('checking attestations by number: thirty a connection per 10 minutes, so the numbers cannot be walked through', async ({ baseURL }) => {
  const from = freshAddress();
  for (let i = 0; i < 30; i++) expect((await rawRequest(baseURL!, `/verifier/EP-2019-${String(900000 + i)}`, { from })).status).toBe(404);
  const limited = await rawRequest(baseURL!, '/verifier/EP-2019-900030', { from });
  expect(limited.status).toBe(429);
  expect(visibleText(limited.body)).toContain('Trop de vérifications depuis votre connexion');
  expect((await rawRequest(baseURL!, '/verifier/EP-2019-900030', { from: freshAddress() })).status).toBe(404);
});

/** The page as the person sees it, with what they typed taken out. */
const withoutTyped = (html: string, typed: string[]) => typed.reduce((text, t) => text.replaceAll(t, '«saisie»'), html);

test('login says the same for an unknown address, a wrong password and an unconfirmed account', async ({ person, db, baseURL }) => {
  const from = freshAddress();
  const known = await person({ givenName: 'Connue', familyName: 'Énumération', roles: ['trainee'] });
  const unconfirmed = await addPerson(db, { givenName: 'Pas', familyName: 'Confirmée', roles: ['trainee'], verified: false });
  const unknown = `personne.${Date.now()}@exemple.fr`;
  const answers = [
    await login(baseURL!, from, known.email, 'pas le bon mot de passe'),
    await login(baseURL!, from, unknown, 'pas le bon mot de passe'),
    await login(baseURL!, from, unconfirmed.email, 'pas le bon mot de passe'),
  ];
  const emails = [known.email, unknown, unconfirmed.email];
  for (const [i, answer] of answers.entries()) {
    expect(answer.status).toBe(401);
    expect(answer.sessionCookie).toBeUndefined();
    expect(visibleText(answer.body)).toContain(WRONG_CREDENTIALS);
    expect(withoutTyped(answer.body, [emails[i]!])).toBe(withoutTyped(answers[0]!.body, [emails[0]!]));
    expect(Object.keys(answer.headers).filter((h) => h !== 'date').sort()).toEqual(Object.keys(answers[0]!.headers).filter((h) => h !== 'date').sort());
  }
  // Locked out the same way too: five failures for an address nobody has.
  for (let i = 0; i < 4; i++) await login(baseURL!, from, unknown, `essai ${i}`);
  const locked = await login(baseURL!, from, unknown, 'encore un essai');
  expect(locked.status).toBe(429);
  expect(visibleText(locked.body)).toContain(ACCOUNT_LOCKED);
});

test('the forgotten-password form answers the same for known and unknown addresses; only the account holder gets an email', async ({ person, db, baseURL }) => {
  const from = freshAddress();
  const known = await person({ givenName: 'Connu', familyName: 'Oubli', roles: ['professional'] });
  const unknown = `inconnu.${Date.now()}@exemple.fr`;
  const [forKnown, forUnknown] = [
    await rawRequest(baseURL!, '/mot-de-passe-oublie', { from, headers: { origin: baseURL! }, form: { email: known.email } }),
    await rawRequest(baseURL!, '/mot-de-passe-oublie', { from, headers: { origin: baseURL! }, form: { email: unknown } }),
  ];
  expect([forKnown.status, forKnown.headers.location, forKnown.body]).toEqual([forUnknown.status, forUnknown.headers.location, forUnknown.body]);
  expect(forKnown.status).toBe(303);
  expect(await emailsTo(db, known.email)).toHaveLength(1);
  expect(await emailsTo(db, unknown)).toEqual([]);
});

test('registration answers the same for a taken and a free address; the holder is warned, nothing changes on their account', async ({ person, db, baseURL }) => {
  const from = freshAddress();
  const known = await person({ givenName: 'Déjà', familyName: 'Inscrite', roles: ['trainee'] });
  const before = await db.selectFrom('person').select(['given_name', 'password_hash']).where('id', '=', known.id).executeTakeFirstOrThrow();
  const free = `nouvelle.${Date.now()}@exemple.fr`;
  const register = (email: string) =>
    rawRequest(baseURL!, '/inscription', { from, headers: { origin: baseURL! }, form: { givenName: 'Usurpatrice', familyName: 'Test', email, password: 'une autre phrase de passe', role: 'trainee' } });
  const [taken, fresh] = [await register(known.email), await register(free)];
  expect([taken.status, taken.headers.location, taken.body]).toEqual([fresh.status, fresh.headers.location, fresh.body]);
  expect(taken.status).toBe(303);
  expect((await emailsTo(db, known.email)).map((e) => e.subject)).toEqual(['Une inscription a été tentée avec votre adresse']);
  expect((await emailsTo(db, free)).map((e) => e.subject)).toEqual(['Confirmez votre adresse e-mail']);
  expect(await db.selectFrom('person').select(['given_name', 'password_hash']).where('id', '=', known.id).executeTakeFirstOrThrow()).toEqual(before);
  expect(await db.selectFrom('person').select('id').where('email', '=', known.email).execute()).toHaveLength(1);
});

test('changing one’s email to a taken address answers as for a free one; the taken address is only told', async ({ person, db, baseURL }) => {
  const mover = await person({ givenName: 'Change', familyName: 'Adresse', roles: ['trainee'] });
  const holder = await person({ givenName: 'Titulaire', familyName: 'Adresse', roles: ['trainee'] });
  const free = `libre.${Date.now()}@exemple.fr`;
  const { token } = await createSession(db, mover.id, { days: 30 });
  const change = (newEmail: string) =>
    rawRequest(baseURL!, '/mon-compte', { cookie: token, headers: { origin: baseURL! }, form: { intent: 'email', newEmail, password: mover.password } });
  const [taken, fresh] = [await change(holder.email), await change(free)];
  expect([taken.status, taken.headers.location]).toEqual([fresh.status, fresh.headers.location]);
  expect(taken.status).toBe(303);
  const toHolder = await emailsTo(db, holder.email);
  expect(toHolder.map((e) => e.subject)).toEqual(['Changement d’adresse refusé']);
  expect(toHolder[0]!.body_text).not.toMatch(/jeton=/);
  expect((await emailsTo(db, free)).map((e) => e.subject)).toEqual(['Confirmez votre nouvelle adresse e-mail']);
  expect((await db.selectFrom('person').select('email').where('id', '=', mover.id).executeTakeFirstOrThrow()).email).toBe(mover.email);
});
