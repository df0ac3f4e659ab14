import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext, HOUR, DAY } from '../support/context.ts';
import { emailsTo, lastEmailTo, tokenFromLink } from '../support/mailbox.ts';
import { addPerson } from '../support/world.ts';
import { logIn } from '../../src/lib/accounts/login.ts';
import { requestPasswordReset, resetPassword } from '../../src/lib/accounts/recovery.ts';
import { changePassword, confirmEmailChange, requestEmailChange } from '../../src/lib/accounts/profile.ts';
import { createSession, validateSessionToken } from '../../src/lib/accounts/sessions.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.drop());
const client = { ip: '203.0.113.20' };

describe('a person who forgot their password', () => {
  it('receives a one-hour link, sets a new password, and every open session ends', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Yasmine', familyName: 'Haddad', roles: ['trainee'] });
    const phone = await createSession(database.db, person.id, { days: 30, now: ctx.now() });

    expect(await requestPasswordReset(ctx, { email: person.email.toUpperCase() }, client)).toEqual({ ok: true });
    const token = tokenFromLink((await lastEmailTo(database.db, person.email)).body_text, '/mot-de-passe/nouveau');

    expect(await resetPassword(ctx, { token, password: 'azertyuiop' })).toMatchObject({ ok: false, status: 400 });
    expect(await resetPassword(ctx, { token, password: 'un tout nouveau secret' })).toEqual({ ok: true, personId: person.id });
    expect(await validateSessionToken(database.db, phone.token, { days: 30, now: ctx.now() })).toBeNull();
    expect((await logIn(ctx, { email: person.email, password: person.password }, client)).ok).toBe(false);
    expect((await logIn(ctx, { email: person.email, password: 'un tout nouveau secret' }, client)).ok).toBe(true);
    expect(await resetPassword(ctx, { token, password: 'encore un autre secret' })).toMatchObject({ ok: false, message: expect.stringContaining('déjà servi') });
  });

  it('gets the same answer for an unknown address, and no email is written', async () => {
    const ctx = testContext(database.db);
    expect(await requestPasswordReset(ctx, { email: 'inconnu@exemple.fr' }, client)).toEqual({ ok: true });
    expect(await emailsTo(database.db, 'inconnu@exemple.fr')).toEqual([]);
  });

  it('cannot use a link after an hour, nor receive more than 3 links an hour', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Marc', familyName: 'Petit', roles: ['professional'] });
    for (let i = 0; i < 5; i++) await requestPasswordReset(ctx, { email: person.email }, { ip: `198.51.100.${i}` });
    expect((await emailsTo(database.db, person.email)).length).toBe(3);
    const token = tokenFromLink((await lastEmailTo(database.db, person.email)).body_text, '/mot-de-passe/nouveau');
    ctx.clock.advance(HOUR + 1);
    expect(await resetPassword(ctx, { token, password: 'un tout nouveau secret' })).toMatchObject({ ok: false, message: expect.stringContaining('expiré') });
  });
});

describe('a signed-in person changes their password or email', () => {
  it('changing the password keeps this device signed in and ends the others', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Élodie', familyName: 'Marchand', roles: ['trainer'] });
    const laptop = await createSession(database.db, person.id, { days: 30, now: ctx.now() });
    const phone = await createSession(database.db, person.id, { days: 30, now: ctx.now() });

    expect(
      await changePassword(ctx, { personId: person.id, currentSessionId: laptop.session.id, currentPassword: 'pas le bon', newPassword: 'un secret tout neuf' }),
    ).toMatchObject({ ok: false, status: 400, message: 'Le mot de passe actuel est incorrect.' });
    expect(
      await changePassword(ctx, { personId: person.id, currentSessionId: laptop.session.id, currentPassword: person.password, newPassword: 'un secret tout neuf' }),
    ).toEqual({ ok: true });
    expect(await validateSessionToken(database.db, laptop.token, { days: 30, now: ctx.now() })).not.toBeNull();
    expect(await validateSessionToken(database.db, phone.token, { days: 30, now: ctx.now() })).toBeNull();
    expect((await lastEmailTo(database.db, person.email)).subject).toBe('Votre mot de passe a été modifié');
  });

  it('changing the email waits for the new address to be confirmed, then ends the other sessions', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Paul', familyName: 'Renard', roles: ['professional'] });
    const laptop = await createSession(database.db, person.id, { days: 30, now: ctx.now() });
    const phone = await createSession(database.db, person.id, { days: 30, now: ctx.now() });

    expect(await requestEmailChange(ctx, { personId: person.id, newEmail: 'paul.nouveau@exemple.fr', password: person.password })).toEqual({ ok: true });
    const unchanged = await database.db.selectFrom('person').select('email').where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(unchanged.email).toBe(person.email);

    const token = tokenFromLink((await lastEmailTo(database.db, 'paul.nouveau@exemple.fr')).body_text, '/mon-compte/adresse/confirmer');
    expect(await confirmEmailChange(ctx, { token, currentSessionId: laptop.session.id })).toEqual({ ok: true, personId: person.id });
    const changed = await database.db.selectFrom('person').select('email').where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(changed.email).toBe('paul.nouveau@exemple.fr');
    expect(await validateSessionToken(database.db, phone.token, { days: 30, now: ctx.now() })).toBeNull();
    expect(await validateSessionToken(database.db, laptop.token, { days: 30, now: ctx.now() })).not.toBeNull();
    expect((await lastEmailTo(database.db, person.email)).subject).toBe('Votre adresse e-mail a été modifiée');
  });

  it('cannot take an address that another account uses, and the answer does not tell', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Rose', familyName: 'Lambert', roles: ['trainee'] });
    const other = await addPerson(database.db, { givenName: 'Noé', familyName: 'Fabre', roles: ['trainee'] });
    expect(await requestEmailChange(ctx, { personId: person.id, newEmail: other.email, password: person.password })).toEqual({ ok: true });
    expect((await lastEmailTo(database.db, other.email)).subject).toBe('Changement d’adresse refusé');
    expect(await emailsTo(database.db, person.email)).toEqual([]);
  });
});

describe('sessions', () => {
  it('expire after 30 days without use and are extended while in use', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Jade', familyName: 'Morin', roles: ['trainee'] });
    const { token, session } = await createSession(database.db, person.id, { days: 30, now: ctx.now() });

    ctx.clock.advance(10 * DAY);
    const early = await validateSessionToken(database.db, token, { days: 30, now: ctx.now() });
    expect(early?.renewed).toBe(false);
    expect(early?.session.expiresAt).toEqual(session.expiresAt);

    ctx.clock.advance(10 * DAY);
    const renewed = await validateSessionToken(database.db, token, { days: 30, now: ctx.now() });
    expect(renewed?.renewed).toBe(true);
    expect(renewed!.session.expiresAt.getTime()).toBe(ctx.now().getTime() + 30 * DAY);

    ctx.clock.advance(31 * DAY);
    expect(await validateSessionToken(database.db, token, { days: 30, now: ctx.now() })).toBeNull();
    expect(await database.db.selectFrom('auth_session').select('id').where('person_id', '=', person.id).execute()).toEqual([]);
  });

  it('ignore a malformed or unknown token', async () => {
    expect(await validateSessionToken(database.db, "'; drop table person; --", { days: 30 })).toBeNull();
    expect(await validateSessionToken(database.db, 'a'.repeat(32), { days: 30 })).toBeNull();
  });
});
