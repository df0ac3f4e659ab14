// The data the benchmark runs against: a platform with a realistic number of people, and one
// signed-in person whose session cookie the load generator sends.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/lib/db/index.ts';
import type { NewPerson, Role } from '../../src/lib/db/schema.ts';
import { hashPassword } from '../../src/lib/accounts/passwords.ts';
import { createSession } from '../../src/lib/accounts/sessions.ts';
import { generateToken, hashToken } from '../../src/lib/accounts/tokens.ts';

export const BENCH_PASSWORD = 'banc-d-essai-2026';

export interface World {
  people: number;
  roles: Record<Role, number>;
  /** The signed-in person: a trainee, with a 30-day session. */
  signedIn: { personId: string; email: string; givenName: string; token: string };
}

export interface WorldOptions {
  people: number;
  /** Rows per INSERT: few round trips, far below Postgres's 65,535 parameters. */
  batchSize?: number;
  /** Every n-th person also has an open session, so that session lookups search a filled table. */
  sessionEvery?: number;
}

const GIVEN_NAMES = ['Camille', 'Karim', 'Nadia', 'Julien', 'Sophie', 'Léa', 'Mohamed', 'Inès', 'Thomas', 'Aïcha', 'Lucas', 'Manon'];
const FAMILY_NAMES = ['Martin', 'Benali', 'Rossi', 'Morel', 'Laurent', 'Nguyen', 'Diallo', 'Garcia', 'Lefèvre', 'Bernard', 'Haddad', 'Petit'];

/** Mostly professionals, some trainees, a few trainers and coordinators; deterministic by index. */
function roleFor(index: number): Role {
  const slot = index % 100;
  if (slot === 0) return 'coordinator';
  if (slot < 3) return 'trainer';
  if (slot < 20) return 'trainee';
  return 'professional';
}

/** Seeds `options.people` people (the signed-in person included) into a freshly migrated database. */
export async function seedWorld(db: Database, options: WorldOptions): Promise<World> {
  const batchSize = options.batchSize ?? 500;
  const sessionEvery = options.sessionEvery ?? 5;
  // One argon2 hash shared by everyone: hashing 5,000 times would take minutes and measure nothing.
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const verifiedAt = new Date();
  const roles: Record<Role, number> = { trainee: 0, professional: 0, trainer: 0, coordinator: 0, admin: 0 };
  const sessionExpiry = new Date(verifiedAt.getTime() + 30 * 24 * 60 * 60 * 1000);

  const signedIn = { personId: randomUUID(), email: 'banc-essai@bench.esper-parcours.test', givenName: 'Alex' };

  for (let start = 0; start < options.people; start += batchSize) {
    const people: NewPerson[] = [];
    const personRoles: { person_id: string; role: Role }[] = [];
    const sessions: { id: string; person_id: string; expires_at: Date }[] = [];
    for (let i = start; i < Math.min(start + batchSize, options.people); i++) {
      // Index 0 is the signed-in person; the others are generated.
      const isBenchPerson = i === 0;
      const id = isBenchPerson ? signedIn.personId : randomUUID();
      const role: Role = isBenchPerson ? 'trainee' : roleFor(i);
      people.push({
        id,
        email: isBenchPerson ? signedIn.email : `personne-${String(i).padStart(5, '0')}@bench.esper-parcours.test`,
        given_name: isBenchPerson ? signedIn.givenName : GIVEN_NAMES[i % GIVEN_NAMES.length]!,
        family_name: isBenchPerson ? 'Banc' : FAMILY_NAMES[Math.floor(i / GIVEN_NAMES.length) % FAMILY_NAMES.length]!,
        structure: role === 'professional' ? `Structure de santé n° ${1 + (i % 120)}` : null,
        password_hash: passwordHash,
        email_verified_at: verifiedAt,
      });
      personRoles.push({ person_id: id, role });
      roles[role]++;
      if (!isBenchPerson && i % sessionEvery === 0)
        sessions.push({ id: hashToken(generateToken()), person_id: id, expires_at: sessionExpiry });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('person').values(people).execute();
      await trx.insertInto('person_role').values(personRoles).execute();
      if (sessions.length) await trx.insertInto('auth_session').values(sessions).execute();
    });
  }

  // The session is made by the application's own code, so its token is exactly what a browser would hold.
  const { token } = await createSession(db, signedIn.personId, { days: 30, userAgent: 'autocannon (npm run bench)' });
  return { people: options.people, roles, signedIn: { ...signedIn, token } };
}
