import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { lastEmailTo, tokenFromLink } from '../support/mailbox.ts';
import { addPerson } from '../support/world.ts';
import { requestPasswordReset, resetPassword } from '../../src/lib/accounts/recovery.ts';
import { removeRole } from '../../src/lib/accounts/roles.ts';
import { rolesOf } from '../../src/lib/accounts/people.ts';
import { hitRateLimit } from '../../src/lib/security/rate-limit.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.drop());

describe('simultaneous requests', () => {
  it('a link used twice at the same moment works once', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Sarah', familyName: 'Meyer', roles: ['trainee'] });
    await requestPasswordReset(ctx, { email: person.email }, { ip: '203.0.113.1' });
    const token = tokenFromLink((await lastEmailTo(database.db, person.email)).body_text, '/mot-de-passe/nouveau');
    const results = await Promise.all([
      resetPassword(ctx, { token, password: 'premier secret choisi' }),
      resetPassword(ctx, { token, password: 'second secret choisi' }),
      resetPassword(ctx, { token, password: 'troisième secret choisi' }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('two admins removing each other cannot leave the platform without one', async () => {
    const ctx = testContext(database.db);
    const first = await addPerson(database.db, { givenName: 'Anne', familyName: 'Admin', roles: ['admin'] });
    const second = await addPerson(database.db, { givenName: 'Bruno', familyName: 'Admin', roles: ['admin'] });
    await Promise.all([
      removeRole(ctx, { actorId: first.id, personId: second.id, role: 'admin' }),
      removeRole(ctx, { actorId: second.id, personId: first.id, role: 'admin' }),
    ]);
    const remaining = [...(await rolesOf(database.db, first.id)), ...(await rolesOf(database.db, second.id))];
    expect(remaining).toEqual(['admin']);
  });

  it('rate-limit counters count every one of many simultaneous hits', async () => {
    const hits = await Promise.all(
      Array.from({ length: 40 }, () => hitRateLimit(database.db, 'test:burst', { limit: 25, windowSeconds: 60 })),
    );
    expect(hits.filter((h) => h.allowed)).toHaveLength(25);
  });
});
