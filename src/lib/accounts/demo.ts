import { sql } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Role } from '../db/schema.ts';
import { hashPassword } from './passwords.ts';

/** The demo accounts of `npm start`: one per role, all with the same password. */
export const DEMO_PASSWORD = 'parcours-demo-2026';

export const DEMO_ACCOUNTS: ReadonlyArray<{ email: string; givenName: string; familyName: string; roles: Role[]; structure?: string }> = [
  { email: 'stagiaire@demo.esper-parcours.fr', givenName: 'Camille', familyName: 'Martin', roles: ['trainee'] },
  {
    email: 'professionnel@demo.esper-parcours.fr',
    givenName: 'Karim',
    familyName: 'Benali',
    roles: ['professional'],
    structure: 'Centre médico-psychologique de démonstration',
  },
  { email: 'formatrice@demo.esper-parcours.fr', givenName: 'Nadia', familyName: 'Rossi', roles: ['trainer'] },
  { email: 'coordination@demo.esper-parcours.fr', givenName: 'Julien', familyName: 'Morel', roles: ['coordinator'] },
  { email: 'admin@demo.esper-parcours.fr', givenName: 'Sophie', familyName: 'Laurent', roles: ['admin'] },
];

/** Creates the demo accounts that do not exist yet; returns how many were created. */
export async function seedDemoAccounts(db: Database): Promise<number> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  let created = 0;
  for (const account of DEMO_ACCOUNTS) {
    const inserted = await db.transaction().execute(async (trx) => {
      const person = await trx
        .insertInto('person')
        .values({
          email: account.email,
          given_name: account.givenName,
          family_name: account.familyName,
          structure: account.structure ?? null,
          password_hash: passwordHash,
          email_verified_at: new Date(),
        })
        .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!person) return false;
      await trx
        .insertInto('person_role')
        .values(account.roles.map((role) => ({ person_id: person.id, role })))
        .execute();
      return true;
    });
    if (inserted) created++;
  }
  return created;
}
