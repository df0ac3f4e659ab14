import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import { ROLES, type Role } from '../db/schema.ts';
import { recordAudit } from '../audit/index.ts';
import type { Outcome } from './registration.ts';

export const ROLE_LABELS: Record<Role, string> = {
  trainee: 'Stagiaire du parcours',
  professional: 'Professionnel·le',
  trainer: 'Formateur·rice',
  coordinator: 'Coordinateur·rice',
  admin: 'Administrateur·rice',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Which roles a person may give by invitation: coordinators bring learners and trainers; admins anyone. */
export function invitableRoles(actorRoles: readonly Role[]): Role[] {
  if (actorRoles.includes('admin')) return [...ROLES];
  if (actorRoles.includes('coordinator')) return ['trainee', 'professional', 'trainer'];
  return [];
}

export async function grantRole(ctx: AppContext, input: { actorId: string; personId: string; role: Role }): Promise<Outcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const person = await trx.selectFrom('person').select(['id', 'erased_at']).where('id', '=', input.personId).executeTakeFirst();
    if (!person || person.erased_at) return { ok: false, status: 404, message: 'Cette personne est introuvable.' } as const;
    const inserted = await trx
      .insertInto('person_role')
      .values({ person_id: input.personId, role: input.role, granted_by: input.actorId })
      .onConflict((oc) => oc.columns(['person_id', 'role']).doNothing())
      .returning('role')
      .executeTakeFirst();
    if (inserted)
      await recordAudit(trx, { actorId: input.actorId, action: 'role.granted', subjectPersonId: input.personId, details: { role: input.role } });
    return { ok: true } as const;
  });
}

/** Removes a role. The last admin cannot lose the admin role: someone must be able to give it back. */
export async function removeRole(ctx: AppContext, input: { actorId: string; personId: string; role: Role }): Promise<Outcome> {
  return ctx.db.transaction().execute(async (trx) => {
    if (input.role === 'admin') {
      // Lock the admins' rows so that two admins removing each other cannot leave none.
      const admins = await trx.selectFrom('person_role').select('person_id').where('role', '=', 'admin').forUpdate().execute();
      if (admins.length <= 1 && admins.some((a) => a.person_id === input.personId))
        return {
          ok: false,
          status: 409,
          message: 'Impossible de retirer ce rôle : il faut au moins un administrateur ou une administratrice.',
        } as const;
    }
    const removed = await trx
      .deleteFrom('person_role')
      .where('person_id', '=', input.personId)
      .where('role', '=', input.role)
      .returning('role')
      .executeTakeFirst();
    if (removed)
      await recordAudit(trx, { actorId: input.actorId, action: 'role.removed', subjectPersonId: input.personId, details: { role: input.role } });
    return { ok: true } as const;
  });
}

export interface PersonListItem {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  roles: Role[];
  emailVerified: boolean;
}

/** People matching a search on name or email, in alphabetical order, one page at a time. */
export async function listPeople(
  db: Database,
  options: { search?: string | undefined; role?: Role | undefined; limit?: number; offset?: number },
): Promise<{ people: PersonListItem[]; total: number }> {
  let query = db.selectFrom('person as p').where('p.erased_at', 'is', null);
  const search = options.search?.trim();
  if (search) {
    const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['p.email']), 'like', pattern),
        eb(sql<string>`lower(p.given_name || ' ' || p.family_name)`, 'like', pattern),
        eb(sql<string>`lower(p.family_name || ' ' || p.given_name)`, 'like', pattern),
      ]),
    );
  }
  if (options.role) {
    const role = options.role;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('person_role as r').whereRef('r.person_id', '=', 'p.id').where('r.role', '=', role).select('r.role')),
    );
  }
  const [{ total } = { total: 0 }] = await query.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await query
    .select((eb) => [
      'p.id',
      'p.email',
      'p.given_name',
      'p.family_name',
      'p.email_verified_at',
      eb
        .selectFrom('person_role as r')
        .whereRef('r.person_id', '=', 'p.id')
        .select((e) => e.fn.agg<Role[]>('array_agg', ['r.role']).as('roles'))
        .as('roles'),
    ])
    .orderBy(sql`lower(p.family_name)`)
    .orderBy(sql`lower(p.given_name)`)
    .orderBy('p.id')
    .limit(options.limit ?? 50)
    .offset(options.offset ?? 0)
    .execute();
  return {
    total,
    people: rows.map((r) => ({
      id: r.id,
      email: r.email,
      givenName: r.given_name,
      familyName: r.family_name,
      roles: [...(r.roles ?? [])].sort(),
      emailVerified: r.email_verified_at !== null,
    })),
  };
}
