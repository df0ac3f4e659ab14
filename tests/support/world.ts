import type { Database } from '../../src/lib/db/index.ts';
import type { Role } from '../../src/lib/db/schema.ts';
import { hashPassword } from '../../src/lib/accounts/passwords.ts';

export const WORLD_PASSWORD = 'une phrase de passe solide';

export interface WorldPerson {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  roles: Role[];
  password: string;
}

let sharedHash: Promise<string> | undefined;

/** Adds a confirmed person with roles, straight into the database (their registration is tested elsewhere). */
export async function addPerson(
  db: Database,
  input: { givenName: string; familyName: string; roles: Role[]; email?: string; structure?: string; verified?: boolean },
): Promise<WorldPerson> {
  sharedHash ??= hashPassword(WORLD_PASSWORD);
  const suffix = Math.random().toString(36).slice(2, 8);
  const email = (input.email ?? `${input.givenName}.${input.familyName}.${suffix}@exemple.fr`)
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9.@-]/g, '');
  const person = await db
    .insertInto('person')
    .values({
      email,
      given_name: input.givenName,
      family_name: input.familyName,
      structure: input.structure ?? null,
      password_hash: await sharedHash,
      email_verified_at: input.verified === false ? null : new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.roles.length)
    await db
      .insertInto('person_role')
      .values(input.roles.map((role) => ({ person_id: person.id, role })))
      .execute();
  return { id: person.id, email, givenName: input.givenName, familyName: input.familyName, roles: input.roles, password: WORLD_PASSWORD };
}

export interface World {
  admin: WorldPerson;
  coordinator: WorldPerson;
  trainer: WorldPerson;
  trainees: WorldPerson[];
  professional: WorldPerson;
  /** One person per role, for access tests. */
  byRole: Record<Role, WorldPerson>;
}

/** A small, realistic world: the association's team, a trainer, a cohort of trainees and a professional. */
export async function buildWorld(db: Database): Promise<World> {
  const admin = await addPerson(db, { givenName: 'Sophie', familyName: 'Laurent', roles: ['admin'] });
  const coordinator = await addPerson(db, { givenName: 'Julien', familyName: 'Morel', roles: ['coordinator'] });
  const trainer = await addPerson(db, { givenName: 'Nadia', familyName: 'Rossi', roles: ['trainer'] });
  const trainees = [
    await addPerson(db, { givenName: 'Camille', familyName: 'Martin', roles: ['trainee'] }),
    await addPerson(db, { givenName: 'Zoë', familyName: 'Lefèvre', roles: ['trainee'] }),
    await addPerson(db, { givenName: 'Łukasz', familyName: 'Nowak', roles: ['trainee'] }),
  ];
  const professional = await addPerson(db, {
    givenName: 'Karim',
    familyName: 'Benali',
    roles: ['professional'],
    structure: 'Centre médico-psychologique de la Belle de Mai',
  });
  return {
    admin,
    coordinator,
    trainer,
    trainees,
    professional,
    byRole: { admin, coordinator, trainer, trainee: trainees[0]!, professional },
  };
}
