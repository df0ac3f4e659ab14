import { test, expect } from './support/fixtures.ts';
import { createSession, SESSION_COOKIE } from '../../src/lib/accounts/sessions.ts';
import type { Database } from '../../src/lib/db/index.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { openSlot } from '../../src/lib/attendance/slots.ts';
import { issueAttestation } from '../../src/lib/attestations/issue.ts';
import { writeEntry } from '../../src/lib/pathway/journal.ts';
import { addPerson, type WorldPerson } from '../support/world.ts';
import { DAY, testContext } from '../support/context.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { startPostgresWire, type PostgresWire } from '../support/postgres-wire.ts';
import { startInstance, stopInstance, waitUntilHealthy, type Instance } from '../support/instances.ts';

/**
 * How many statements each main page sends to PostgreSQL, counted on the wire between a real
 * production server and its database. Each page is measured on a small world, then again after
 * the world has grown (more sessions, enrolments, attestations, trainees, notes, progress): the
 * count must not move, or a page has started to query once per row. Each count also stays within
 * a budget, so that a new query on a main page is a decision, not an accident.
 */
const PORT = Number(process.env.E2E_PORT ?? 4330) + 20;
const BASE = `http://127.0.0.1:${PORT}`;

type Role = 'anonymous' | 'trainee' | 'professional' | 'trainer' | 'coordinator';
interface MainPage {
  name: string;
  role: Role;
  path: (w: QueryWorld) => string;
  /** The most statements the page may send once its reader's session is known. */
  budget: number;
  /** Something the page must show: a page emptied by a fault answers 200 with few queries too. */
  shows?: string;
}

interface QueryWorld {
  coordinator: WorldPerson;
  trainer: WorldPerson;
  trainee: WorldPerson;
  professional: WorldPerson;
  trainingSlug: string;
  liveSlotId: string;
  verifyPath: string;
  cookies: Partial<Record<Role, string>>;
}

const MAIN_PAGES: MainPage[] = [
  { name: 'accueil public', role: 'anonymous', path: () => '/', budget: 0 },
  { name: 'catalogue', role: 'anonymous', path: () => '/formations', budget: 5, shows: 'Formation de la vague 1' },
  { name: 'une formation', role: 'anonymous', path: (w) => `/formations/${w.trainingSlug}`, budget: 2 },
  { name: 'connexion', role: 'anonymous', path: () => '/connexion', budget: 0 },
  { name: 'vérification d’une attestation', role: 'anonymous', path: (w) => w.verifyPath, budget: 1 },
  { name: 'accueil du stagiaire', role: 'trainee', path: () => '/accueil', budget: 1 },
  { name: 'modules', role: 'trainee', path: () => '/modules', budget: 1 },
  { name: 'page d’un module', role: 'trainee', path: () => '/modules/retablissement/les-cinq-principes', budget: 1, shows: 'class="module-section"' },
  { name: 'Mon parcours', role: 'trainee', path: () => '/mon-parcours', budget: 10 },
  { name: 'carnet de bord', role: 'trainee', path: () => '/mon-parcours/carnet', budget: 3 },
  { name: 'mes séances', role: 'professional', path: () => '/mes-seances', budget: 9 },
  { name: 'mes attestations', role: 'professional', path: () => '/mes-attestations', budget: 1 },
  { name: 'séances à animer', role: 'trainer', path: () => '/formation/seances', budget: 4 },
  { name: 'demi-journée en direct', role: 'trainer', path: (w) => `/formation/demi-journees/${w.liveSlotId}`, budget: 2 },
  { name: 'état en direct (JSON)', role: 'trainer', path: (w) => `/api/demi-journees/${w.liveSlotId}`, budget: 1 },
  // Its figures come from a 30-second cache; the refresh's own count is tested in tests/integration/dashboard.test.ts.
  { name: 'tableau de bord', role: 'coordinator', path: () => '/coordination', budget: 0 },
  { name: 'cohorte du parcours', role: 'coordinator', path: () => '/coordination/parcours', budget: 3 },
  { name: 'une étape de la cohorte', role: 'coordinator', path: () => '/coordination/parcours?etape=3', budget: 4 },
  { name: 'personnes, recherche', role: 'coordinator', path: () => '/coordination/personnes?q=martin', budget: 3 },
  { name: 'séances', role: 'coordinator', path: () => '/coordination/seances', budget: 3 },
  { name: 'attestations', role: 'coordinator', path: () => '/coordination/attestations', budget: 2 },
];

let wire: PostgresWire;
let server: Instance | undefined;
let world: QueryWorld;
let round = 0;

/** One more round of activity around the same people: what a year adds to every list they read. */
async function grow(db: Database, w: Omit<QueryWorld, 'cookies' | 'liveSlotId' | 'verifyPath'> & Partial<QueryWorld>) {
  round++;
  const past = testContext(db, new Date(Date.now() - 60 * DAY));
  const training = await addTraining(past, w.coordinator, { title: `Formation de la vague ${round}` });
  // A session that took place, with its certificate, for the professional.
  const finished = await finishedSession(past, {
    coordinator: w.coordinator,
    trainer: w.trainer,
    training,
    participants: [
      { person: w.professional, presence: [true, true, true, true] },
      { person: w.trainee, presence: [true, true, false, true] },
    ],
  });
  const issued = await issueAttestation(past, { actorId: w.coordinator.id, actorRoles: w.coordinator.roles, sessionId: finished, personId: w.professional.id, kind: 'completion_certificate' });
  if (!issued.ok) throw new Error(issued.message);
  // Sessions to come, the professional enrolled in each, and a full one where they wait.
  const now = testContext(db);
  const sessionIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const sessionId = await addSession(now, { coordinator: w.coordinator, trainers: [w.trainer], training, capacity: i === 2 ? 1 : 12, startDay: dayAhead(10 + i * 7 + round) });
    sessionIds.push(sessionId);
    if (i === 2) {
      const first = await addPerson(db, { givenName: 'Prise', familyName: `Place${round}`, roles: ['professional'] });
      await enrol(now, { actorId: first.id, actorRoles: first.roles, personId: first.id, sessionId });
    }
    await enrol(now, { actorId: w.professional.id, actorRoles: w.professional.roles, personId: w.professional.id, sessionId });
  }
  // More trainees on every stage, more people the search finds, notes and module progress.
  for (let stage = 1; stage <= 7; stage++) {
    const t = await addPerson(db, { givenName: `Stagiaire${stage}`, familyName: `Martin-${round}-${stage}`, roles: ['trainee'] });
    if (stage > 1) await db.insertInto('pathway_member').values({ person_id: t.id, stage, validation_requested_at: stage % 2 ? new Date() : null }).execute();
  }
  for (let n = 0; n < 3; n++) await writeEntry(now, { authorId: w.trainee.id, body: `Note ${round}.${n} : ce que j’ai appris cette semaine.` });
  await db
    .insertInto('module_section_read')
    .values(['definitions', 'les-cinq-principes'].map((section_id) => ({ person_id: w.trainee.id, module_id: 'retablissement', section_id, read_at: new Date() })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  return { sessionIds, issued };
}

function dayAhead(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}

/** Statements one page sends, its reader already signed in (the session is looked up once, then cached). */
async function statementsOf(page: MainPage): Promise<number> {
  const headers: Record<string, string> = {};
  const cookie = world.cookies[page.role];
  if (cookie) headers.cookie = cookie;
  const url = BASE + page.path(world);
  const warm = await fetch(url, { headers, redirect: 'manual' });
  const body = await warm.text();
  expect(warm.status, `${page.name} (${page.path(world)})`).toBe(200);
  if (page.shows) expect(body, `${page.name} shows ${page.shows}`).toContain(page.shows);
  await settle();
  // The fewest of two readings: a session dropped from the cache by a change elsewhere (the
  // database announces them asynchronously) costs one lookup that is not the page's.
  const readings: number[] = [];
  for (let i = 0; i < 2; i++) {
    wire.reset();
    const measured = await fetch(url, { headers, redirect: 'manual' });
    await measured.arrayBuffer();
    await settle();
    readings.push(wire.statements());
  }
  return Math.min(...readings);
}

// The server's replies are complete when fetch resolves; a short pause lets nothing else in flight be counted.
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test.describe.serial('the number of queries per main page', () => {
  test.beforeAll(async ({ db }) => {
    test.setTimeout(120_000);
    const coordinator = await addPerson(db, { givenName: 'Claire', familyName: 'Compte', roles: ['coordinator'] });
    const trainer = await addPerson(db, { givenName: 'Fatou', familyName: 'Formatrice', roles: ['trainer'] });
    const trainee = await addPerson(db, { givenName: 'Sacha', familyName: 'Martin', roles: ['trainee'] });
    const professional = await addPerson(db, { givenName: 'Paul', familyName: 'Martinez', roles: ['professional'] });
    await db.insertInto('pathway_member').values({ person_id: trainee.id, stage: 3 }).execute();
    const base = { coordinator, trainer, trainee, professional, trainingSlug: '' };
    const { issued } = await grow(db, base);
    // The trainer's half-day of today, open.
    const ctx = testContext(db);
    const training = await addTraining(ctx, coordinator, { title: 'Formation du jour' });
    const today = new Date().toISOString().slice(0, 10);
    const liveSession = await addSession(ctx, { coordinator, trainers: [trainer], training, startDay: today, days: 1 });
    await enrol(ctx, { actorId: professional.id, actorRoles: professional.roles, personId: professional.id, sessionId: liveSession });
    const liveSlot = (await sessionOverview(db, liveSession))!.slots[1]!;
    const liveSlotId = liveSlot.id;
    // Opened at its start (the test's clock), whatever the hour the suite runs at.
    const opened = await openSlot(testContext(db, liveSlot.startsAt), { actor: { id: trainer.id, roles: trainer.roles }, slotId: liveSlotId });
    if (!opened.ok) throw new Error(opened.message);
    if (!issued.ok) throw new Error('no attestation');
    const checkCode = await db.selectFrom('attestation').select('check_code').where('id', '=', issued.id).executeTakeFirstOrThrow();
    const cookies: QueryWorld['cookies'] = {};
    for (const [role, who] of [['trainee', trainee], ['professional', professional], ['trainer', trainer], ['coordinator', coordinator]] as const)
      cookies[role] = `${SESSION_COOKIE}=${(await createSession(db, who.id, { days: 30 })).token}`;
    world = { ...base, trainingSlug: training.slug, liveSlotId, verifyPath: `/verifier/${issued.number}?c=${checkCode.check_code}`, cookies };

    // Its own production server, reaching the test database through the counting relay.
    wire = await startPostgresWire(process.env.E2E_DATABASE_URL!);
    server = startInstance({ name: 'le serveur compté', port: PORT, publicUrl: BASE, databaseUrl: wire.url, trustProxy: false });
    await waitUntilHealthy(server, 60_000);
  });

  test.afterAll(async () => {
    if (server) await stopInstance(server);
    await wire?.close();
  });

  test('each main page sends a bounded number of queries, the same on a grown world', async ({ db }) => {
    test.setTimeout(120_000);
    const before = new Map<string, number>();
    for (const page of MAIN_PAGES) before.set(page.name, await statementsOf(page));
    await grow(db, world);
    await grow(db, world);
    const table: string[] = [];
    for (const page of MAIN_PAGES) {
      const after = await statementsOf(page);
      table.push(`${page.name}: ${before.get(page.name)} → ${after}`);
      expect.soft(after, `${page.name}: ${before.get(page.name)} queries on the small world, ${after} after it grew`).toBe(before.get(page.name));
      expect.soft(after, `${page.name}: ${after} queries, over its budget of ${page.budget}`).toBeLessThanOrEqual(page.budget);
    }
    test.info().annotations.push({ type: 'queries per page', description: table.join('; ') });
    console.log(`Queries per main page (small world → grown):\n  ${table.join('\n  ')}`);
  });

  test('the counter sees a page that reads the database', async () => {
    // The relay must count what it relays: a page known to read the database is not measured as zero.
    expect(await statementsOf(MAIN_PAGES.find((p) => p.name === 'catalogue')!)).toBeGreaterThan(0);
  });
});
