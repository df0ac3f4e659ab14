import { test as base, expect, type BrowserContext } from '@playwright/test';
import { openDatabase, type Database } from '../../../src/lib/db/index.ts';
import { createSession, SESSION_COOKIE } from '../../../src/lib/accounts/sessions.ts';
import type { Role } from '../../../src/lib/db/schema.ts';
import { addPerson, type WorldPerson } from '../../support/world.ts';

export { expect };

interface Fixtures {
  /** Adds a confirmed person with roles to the server's database. */
  person: (input: { givenName: string; familyName: string; roles: Role[]; structure?: string }) => Promise<WorldPerson>;
  /**
   * Signs a person in by writing a session straight to the database and handing its cookie to
   * the browser (the test's own context, or another one: a second device).
   */
  signIn: (person: WorldPerson, context?: BrowserContext) => Promise<void>;
}

export const test = base.extend<Fixtures, { db: Database }>({
  db: [
    async ({}, use) => {
      const url = process.env.E2E_DATABASE_URL;
      if (!url) throw new Error('E2E_DATABASE_URL is not set: run the browser tests with `npm run test:e2e`.');
      const db = openDatabase({ kind: 'postgres', url, maxConnections: 2 });
      await use(db);
      await db.destroy();
    },
    { scope: 'worker' },
  ],
  person: async ({ db }, use) => {
    await use((input) => addPerson(db, input));
  },
  signIn: async ({ db, context, baseURL }, use) => {
    await use(async (person, target = context) => {
      const { token } = await createSession(db, person.id, { days: 30 });
      await target.addCookies([{ name: SESSION_COOKIE, value: token, url: baseURL!, httpOnly: true, sameSite: 'Lax' }]);
    });
  },
});
