import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext, MINUTE } from '../support/context.ts';
import { emailsTo, lastEmailTo, tokenFromLink } from '../support/mailbox.ts';
import { addPerson } from '../support/world.ts';
import { confirmEmail, register } from '../../src/lib/accounts/registration.ts';
import { logIn, WRONG_CREDENTIALS } from '../../src/lib/accounts/login.ts';
import { validateSessionToken } from '../../src/lib/accounts/sessions.ts';
import { rolesOf } from '../../src/lib/accounts/people.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.drop());

const client = { ip: '203.0.113.10', userAgent: 'Firefox sur Android' };

describe('a trainee registers, confirms their address and logs in', () => {
  it('creates an unconfirmed account with the chosen role and emails a confirmation link', async () => {
    const ctx = testContext(database.db);
    const outcome = await register(
      ctx,
      { givenName: ' Zoë ', familyName: 'Lefèvre', email: 'Zoe.Lefevre@Exemple.fr', password: 'le café du matin est chaud', role: 'trainee' },
      client,
    );
    expect(outcome).toEqual({ ok: true });
    const person = await database.db.selectFrom('person').selectAll().where('email', '=', 'zoe.lefevre@exemple.fr').executeTakeFirstOrThrow();
    expect(person.given_name).toBe('Zoë');
    expect(person.email_verified_at).toBeNull();
    expect(person.password_hash).toMatch(/^\$argon2id\$/);
    expect(await rolesOf(database.db, person.id)).toEqual(['trainee']);

    const email = await lastEmailTo(database.db, 'zoe.lefevre@exemple.fr');
    expect(email.subject).toBe('Confirmez votre adresse e-mail');
    expect(email.body_text).toContain('Bonjour Zoë');

    // Before confirming, the right password is not enough, and the link is sent again.
    const early = await logIn(ctx, { email: 'zoe.lefevre@exemple.fr', password: 'le café du matin est chaud' }, client);
    expect(early).toMatchObject({ ok: false, status: 403 });
    expect((await emailsTo(database.db, 'zoe.lefevre@exemple.fr')).length).toBe(2);

    const token = tokenFromLink(email.body_text, '/inscription/confirmer');
    expect(await confirmEmail(ctx, token)).toEqual({ ok: true, personId: person.id });
    expect(await confirmEmail(ctx, token)).toMatchObject({ ok: false, message: expect.stringContaining('déjà servi') });

    const login = await logIn(ctx, { email: ' ZOE.LEFEVRE@exemple.fr ', password: 'le café du matin est chaud' }, client);
    expect(login.ok).toBe(true);
    if (!login.ok) return;
    const session = await validateSessionToken(database.db, login.token, { days: 30, now: ctx.now() });
    expect(session?.person).toMatchObject({ id: person.id, givenName: 'Zoë', roles: ['trainee'], emailVerified: true });
    // Only the token's hash is stored.
    const stored = await database.db.selectFrom('auth_session').select('id').where('person_id', '=', person.id).execute();
    expect(stored.map((s) => s.id)).not.toContain(login.token);
  });

  it('records a professional with their employer structure', async () => {
    const ctx = testContext(database.db);
    await register(
      ctx,
      { givenName: 'Karim', familyName: 'Benali', email: 'karim@cmp.exemple.fr', password: 'une journée de formation', role: 'professional', structure: 'CMP Belle de Mai' },
      client,
    );
    const person = await database.db.selectFrom('person').selectAll().where('email', '=', 'karim@cmp.exemple.fr').executeTakeFirstOrThrow();
    expect(person.structure).toBe('CMP Belle de Mai');
    expect(await rolesOf(database.db, person.id)).toEqual(['professional']);
  });

  it('answers the same for an address that already has an account, and warns its owner instead', async () => {
    const ctx = testContext(database.db);
    const existing = await addPerson(database.db, { givenName: 'Camille', familyName: 'Martin', roles: ['trainee'] });
    const outcome = await register(
      ctx,
      { givenName: 'Autre', familyName: 'Personne', email: existing.email, password: 'une autre phrase solide', role: 'trainee' },
      client,
    );
    expect(outcome).toEqual({ ok: true });
    expect((await lastEmailTo(database.db, existing.email)).subject).toBe('Une inscription a été tentée avec votre adresse');
    const count = await database.db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).where('email', '=', existing.email).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('refuses a weak password in French, creating nothing', async () => {
    const ctx = testContext(database.db);
    const outcome = await register(ctx, { givenName: 'A', familyName: 'B', email: 'faible@exemple.fr', password: 'azertyuiop', role: 'trainee' }, client);
    expect(outcome).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('trop courant') });
    expect(await database.db.selectFrom('person').select('id').where('email', '=', 'faible@exemple.fr').executeTakeFirst()).toBeUndefined();
  });

  it('refuses a confirmation link that has expired', async () => {
    const ctx = testContext(database.db);
    await register(ctx, { givenName: 'Léa', familyName: 'Roux', email: 'lea@exemple.fr', password: 'une phrase assez longue', role: 'trainee' }, client);
    const token = tokenFromLink((await lastEmailTo(database.db, 'lea@exemple.fr')).body_text, '/inscription/confirmer');
    ctx.clock.advance(49 * 60 * MINUTE);
    expect(await confirmEmail(ctx, token)).toMatchObject({ ok: false, message: expect.stringContaining('expiré') });
  });
});

describe('logging in', () => {
  it('gives the same answer for an unknown address and a wrong password', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Inès', familyName: 'Garcia', roles: ['trainee'] });
    const unknown = await logIn(ctx, { email: 'personne@exemple.fr', password: 'un mot de passe' }, client);
    const wrong = await logIn(ctx, { email: person.email, password: 'un mot de passe' }, client);
    expect(unknown).toEqual({ ok: false, status: 401, message: WRONG_CREDENTIALS });
    expect(wrong).toEqual(unknown);
  });

  it('locks an address for 15 minutes after 5 wrong passwords, known or not, then lets the right one in', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Hugo', familyName: 'Blanc', roles: ['professional'] });
    for (const email of [person.email, 'inconnu@exemple.fr']) {
      for (let i = 0; i < 5; i++) await logIn(ctx, { email, password: 'mauvais mot de passe' }, { ip: `198.51.100.${i}` });
      const locked = await logIn(ctx, { email, password: person.password }, { ip: '198.51.100.99' });
      expect(locked).toMatchObject({ ok: false, status: 429, message: expect.stringContaining('verrouillé') });
    }
    ctx.clock.advance(16 * MINUTE);
    expect((await logIn(ctx, { email: person.email, password: person.password }, client)).ok).toBe(true);
  });

  it('slows down one connection trying many addresses', async () => {
    const ctx = testContext(database.db);
    const ip = '192.0.2.77';
    for (let i = 0; i < 30; i++) await logIn(ctx, { email: `essai${i}@exemple.fr`, password: 'devine devine' }, { ip });
    expect(await logIn(ctx, { email: 'encore@exemple.fr', password: 'devine devine' }, { ip })).toMatchObject({ ok: false, status: 429 });
  });
});
