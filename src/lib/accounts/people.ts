import type { Kysely, Transaction } from 'kysely';
import type { DB, Role } from '../db/schema.ts';

/** Emails are compared without case or surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function findPersonByEmail(db: Kysely<DB> | Transaction<DB>, email: string) {
  return db
    .selectFrom('person')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', normalizeEmail(email)))
    .where('erased_at', 'is', null)
    .executeTakeFirst();
}

export async function rolesOf(db: Kysely<DB> | Transaction<DB>, personId: string): Promise<Role[]> {
  const rows = await db.selectFrom('person_role').select('role').where('person_id', '=', personId).orderBy('role').execute();
  return rows.map((r) => r.role);
}

export function fullName(person: { given_name: string; family_name: string }): string {
  return `${person.given_name} ${person.family_name}`;
}
