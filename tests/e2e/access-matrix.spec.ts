import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test, expect } from './support/fixtures.ts';
import { ROUTE_ACCESS } from '../../src/lib/accounts/access.ts';
import type { WorldPerson } from '../support/world.ts';
import { testContext } from '../support/context.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';
import type { Database } from '../../src/lib/db/index.ts';
import { finishedSession } from '../support/finished-session.ts';
import { issueAttestation } from '../../src/lib/attestations/issue.ts';
import { startBulkIssue } from '../../src/lib/attestations/batch.ts';
import { startExport } from '../../src/lib/reporting/exports/jobs.ts';

/**
 * Every route × every role, as the server answers it.
 *   A: allowed (the page or endpoint answers for this person)
 *   L: signed out, sent to the login page (an API answers 401)
 *   F: refused with the French 403 page
 *   N: answered « not found » (someone else's attestation: its existence stays private)
 * A route added under src/pages must be added here too, or the first test fails.
 */
const A = 'A', L = 'L', F = 'F', N = 'N';
type Expected = typeof A | typeof L | typeof F | typeof N;
const COLUMNS = ['anonymous', 'trainee', 'professional', 'trainer', 'coordinator', 'admin'] as const;
const MATRIX: Record<string, readonly [Expected, Expected, Expected, Expected, Expected, Expected]> = {
  '/':                            [A, A, A, A, A, A],
  '/403':                         [A, A, A, A, A, A],
  '/404':                         [A, A, A, A, A, A],
  '/500':                         [A, A, A, A, A, A],
  '/503':                         [A, A, A, A, A, A],
  '/sante':                       [A, A, A, A, A, A],
  '/connexion':                   [A, A, A, A, A, A],
  '/deconnexion':                 [A, A, A, A, A, A],
  '/inscription':                 [A, A, A, A, A, A],
  '/inscription/confirmer':       [A, A, A, A, A, A],
  '/mot-de-passe-oublie':         [A, A, A, A, A, A],
  '/mot-de-passe/nouveau':        [A, A, A, A, A, A],
  '/invitation':                  [A, A, A, A, A, A],
  '/accueil':                     [L, A, A, A, A, A],
  '/mon-compte':                  [L, A, A, A, A, A],
  '/mon-compte/adresse/confirmer':[A, A, A, A, A, A],
  '/mon-compte/donnees':          [L, A, A, A, A, A],
  '/mon-compte/suppression':      [L, A, A, A, A, A],
  '/modules':                     [L, A, A, A, A, A],
  '/modules/[slug]':              [L, A, A, A, A, A],
  '/modules/[slug]/[section]':    [L, A, A, A, A, A],
  '/h5p/lecteur/[id]':            [A, A, A, A, A, A],
  '/h5p/contenus/[id]/[...path]': [A, A, A, A, A, A],
  '/h5p/standalone/[...path]':    [A, A, A, A, A, A],
  '/api/xapi':                    [L, A, A, A, A, A],
  '/formations':                  [A, A, A, A, A, A],
  '/formations/[slug]':           [A, A, A, A, A, A],
  '/formations/seances/[id]':     [A, A, A, A, A, A],
  '/formations/seances/[id]/calendrier':   [A, A, A, A, A, A],
  '/formations/seances/[id]/inscription':  [L, A, A, A, A, A],
  '/mes-seances':                 [L, A, A, A, A, A],
  '/emargement':                  [L, A, A, A, A, A],
  // Only someone who attended gets the survey; anyone else is told there is none for them.
  '/mes-seances/[sessionId]/avis':[L, A, N, N, N, N],
  '/formation/seances/[id]/satisfaction':        [L, F, F, A, A, A],
  '/coordination/formations/[id]/satisfaction':  [L, F, F, F, A, A],
  '/formation/seances':           [L, F, F, A, A, A],
  '/formation/seances/[id]':      [L, F, F, A, A, A],
  '/formation/seances/[id]/feuille-pdf':   [L, F, F, A, A, A],
  '/formation/seances/[id]/feuille-csv':   [L, F, F, A, A, A],
  '/formation/demi-journees/[id]':         [L, F, F, A, A, A],
  '/formation/demi-journees/[id]/tablette':[L, F, F, A, A, A],
  '/formation/demi-journees/[id]/participants/[personId]': [L, F, F, A, A, A],
  '/api/demi-journees/[id]':      [L, F, F, A, A, A],
  '/api/demi-journees/[id]/signatures':    [L, F, F, A, A, A],
  '/formation/seances/[id]/attestations':  [L, F, F, F, A, A],
  '/formation/seances/[id]/categorie':     [L, F, F, F, A, A],
  '/coordination/attestations/[id]':       [L, F, F, F, A, A],
  '/attestations/[id]/pdf':       [L, A, N, N, A, A],
  '/attestations/[id]/open-badge':[L, A, N, N, A, A],
  '/mes-attestations':            [L, A, A, A, A, A],
  '/mon-parcours/carnet':         [L, A, A, A, A, A],
  '/accompagnement/carnets':      [L, A, A, A, A, A],
  '/mon-parcours':                [L, A, A, A, A, A],
  '/coordination':                [L, F, F, F, A, A],
  '/coordination/parcours':       [L, F, F, F, A, A],
  '/coordination/parcours/conditions':   [L, F, F, F, A, A],
  '/coordination/parcours/[personId]':   [L, F, F, F, A, A],
  '/coordination/parcours/[personId]/referents': [L, F, F, F, A, A],
  '/mon-parcours/missions':       [L, A, A, A, A, A],
  '/accompagnement':              [L, A, A, A, A, A],
  '/formation/seances/[id]/attestations-zip':   [L, F, F, F, A, A],
  '/api/seances/[id]/delivrances/[lot]':        [L, F, F, F, A, A],
  '/verifier':                    [A, A, A, A, A, A],
  '/verifier/[numero]':           [A, A, A, A, A, A],
  '/openbadges/emetteur':         [A, A, A, A, A, A],
  '/openbadges/cles':             [A, A, A, A, A, A],
  '/openbadges/statuts':          [A, A, A, A, A, A],
  '/coordination/formations':     [L, F, F, F, A, A],
  '/coordination/formations/[id]':[L, F, F, F, A, A],
  '/coordination/organisation':   [L, F, F, F, A, A],
  '/coordination/bilan':          [L, F, F, F, A, A],
  '/coordination/organisation/specimen':       [L, F, F, F, A, A],
  '/coordination/organisation/image/[which]':  [L, F, F, F, A, A],
  '/formation/activites':         [L, F, F, A, A, A],
  '/coordination/invitations':    [L, F, F, F, A, A],
  '/coordination/personnes':      [L, F, F, F, A, A],
  '/coordination/personnes/[id]': [L, F, F, F, A, A],
  '/coordination/seances':        [L, F, F, F, A, A],
  '/coordination/attestations':   [L, F, F, F, A, A],
  '/coordination/missions':       [L, F, F, F, A, A],
  // An export is its requester's alone (the coordinator of the matrix): the admin is told it does not exist.
  '/coordination/exports':        [L, F, F, F, A, A],
  '/coordination/exports/[id]':   [L, F, F, F, A, N],
  '/coordination/exports/[id]/fichier':  [L, F, F, F, A, N],
  '/api/exports/[id]':            [L, F, F, F, A, N],
  '/admin/personnes':             [L, F, F, F, F, A],
  '/admin/personnes/[id]':        [L, F, F, F, F, A],
  '/admin/courriels':             [L, F, F, F, F, A],
};

/** A real address for each route with parameters. */
interface Samples {
  personId: string;
  trainingId: string;
  trainingSlug: string;
  sessionId: string;
  slotId: string;
  /** A session that took place, where the trainee received an attestation. */
  finishedSessionId: string;
  attestationId: string;
  attestationNumber: string;
  /** The bulk issue that followed (everyone already held theirs). */
  batchId: string;
  /** A finished export of the matrix's coordinator. */
  exportId: string;
}
const SAMPLE_PATHS: Record<string, (s: Samples) => string> = {
  '/admin/personnes/[id]': (s) => `/admin/personnes/${s.personId}`,
  '/coordination/personnes/[id]': (s) => `/coordination/personnes/${s.personId}`,
  '/coordination/parcours/[personId]': (s) => `/coordination/parcours/${s.personId}`,
  '/coordination/parcours/[personId]/referents': (s) => `/coordination/parcours/${s.personId}/referents`,
  '/formations/[slug]': (s) => `/formations/${s.trainingSlug}`,
  '/formations/seances/[id]': (s) => `/formations/seances/${s.sessionId}`,
  '/formations/seances/[id]/calendrier': (s) => `/formations/seances/${s.sessionId}/calendrier`,
  '/formations/seances/[id]/inscription': (s) => `/formations/seances/${s.sessionId}/inscription`,
  '/formation/seances/[id]': (s) => `/formation/seances/${s.sessionId}`,
  '/formation/seances/[id]/feuille-pdf': (s) => `/formation/seances/${s.sessionId}/feuille-pdf`,
  '/formation/seances/[id]/feuille-csv': (s) => `/formation/seances/${s.sessionId}/feuille-csv`,
  // Receives the participant list's form; opened directly, it leads back to the session (303).
  '/formation/seances/[id]/categorie': (s) => `/formation/seances/${s.sessionId}/categorie`,
  '/formation/demi-journees/[id]': (s) => `/formation/demi-journees/${s.slotId}`,
  '/formation/demi-journees/[id]/tablette': (s) => `/formation/demi-journees/${s.slotId}/tablette`,
  '/formation/demi-journees/[id]/participants/[personId]': (s) => `/formation/demi-journees/${s.slotId}/participants/${s.personId}`,
  '/api/demi-journees/[id]': (s) => `/api/demi-journees/${s.slotId}`,
  '/api/demi-journees/[id]/signatures': (s) => `/api/demi-journees/${s.slotId}/signatures`,
  '/coordination/formations/[id]': (s) => `/coordination/formations/${s.trainingId}`,
  '/coordination/formations/[id]/satisfaction': (s) => `/coordination/formations/${s.trainingId}/satisfaction`,
  '/mes-seances/[sessionId]/avis': (s) => `/mes-seances/${s.finishedSessionId}/avis`,
  '/formation/seances/[id]/satisfaction': (s) => `/formation/seances/${s.finishedSessionId}/satisfaction`,
  // Answers 204 while no logo is set, the image once one is.
  '/coordination/organisation/image/[which]': () => '/coordination/organisation/image/logo',
  '/formation/seances/[id]/attestations': (s) => `/formation/seances/${s.finishedSessionId}/attestations`,
  '/coordination/attestations/[id]': (s) => `/coordination/attestations/${s.attestationId}`,
  '/formation/seances/[id]/attestations-zip': (s) => `/formation/seances/${s.finishedSessionId}/attestations-zip`,
  '/api/seances/[id]/delivrances/[lot]': (s) => `/api/seances/${s.finishedSessionId}/delivrances/${s.batchId}`,
  '/coordination/exports/[id]': (s) => `/coordination/exports/${s.exportId}`,
  '/coordination/exports/[id]/fichier': (s) => `/coordination/exports/${s.exportId}/fichier`,
  '/api/exports/[id]': (s) => `/api/exports/${s.exportId}`,
  '/attestations/[id]/pdf': (s) => `/attestations/${s.attestationId}/pdf`,
  '/attestations/[id]/open-badge': (s) => `/attestations/${s.attestationId}/open-badge`,
  '/verifier/[numero]': (s) => `/verifier/${s.attestationNumber}`,
  '/modules/[slug]': () => '/modules/retablissement',
  '/modules/[slug]/[section]': () => '/modules/retablissement/definitions',
  '/h5p/lecteur/[id]': () => '/h5p/lecteur/retablissement-quiz',
  '/h5p/contenus/[id]/[...path]': () => '/h5p/contenus/retablissement-quiz/h5p.json',
  '/h5p/standalone/[...path]': () => '/h5p/standalone/main.bundle.js',
};

/** A session that took place (with a test clock), and the certificate its participant received. */
async function attestationSample(db: Database, coordinator: WorldPerson, trainer: WorldPerson, participant: WorldPerson, training: Training) {
  const ctx = testContext(db, new Date());
  const finishedSessionId = await finishedSession(ctx, { coordinator, trainer, training, participants: [{ person: participant, presence: [true, true, true, true] }] });
  const issued = await issueAttestation(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId: finishedSessionId, personId: participant.id, kind: 'completion_certificate' });
  if (!issued.ok) throw new Error(issued.message);
  const batch = await startBulkIssue(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId: finishedSessionId, kind: 'completion_certificate' });
  if (!batch.ok) throw new Error(batch.message);
  await batch.completion;
  return { finishedSessionId, attestationId: issued.id, attestationNumber: issued.number, batchId: batch.batchId };
}

/** A finished export (the missions as CSV) of this coordinator. */
async function exportSample(db: Database, coordinator: WorldPerson): Promise<{ exportId: string }> {
  const started = await startExport(testContext(db, new Date()), { actorId: coordinator.id, actorRoles: coordinator.roles, kind: 'missions', params: {} });
  if (!started.ok) throw new Error(started.message);
  await started.completion;
  return { exportId: started.exportId };
}

/** The routes that the files under src/pages define, as Astro names them. */
function routesOnDisk(dir = 'src/pages'): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return routesOnDisk(path);
    if (!/\.(astro|ts|mdx?)$/.test(name)) return [];
    const route = '/' + relative('src/pages', path).replace(/\.(astro|ts|mdx?)$/, '').replace(/(^|\/)index$/, '');
    return [route === '/' ? '/' : route.replace(/\/$/, '')];
  });
}

test('the matrix, the access table and the pages on disk name the same routes', () => {
  const onDisk = routesOnDisk().sort();
  expect(Object.keys(MATRIX).sort()).toEqual(onDisk);
  expect(Object.keys(ROUTE_ACCESS).sort()).toEqual(onDisk);
});

test('every route answers each role as the matrix says', async ({ playwright, person, db, baseURL }) => {
  test.setTimeout(120_000);
  const people: Record<string, WorldPerson | null> = { anonymous: null };
  for (const role of COLUMNS.slice(1))
    people[role] = await person({ givenName: 'Accès', familyName: role, roles: [role as Exclude<(typeof COLUMNS)[number], 'anonymous'>] });
  const someone = people.trainee!;
  const { createSession } = await import('../../src/lib/accounts/sessions.ts');
  // A session run by the trainer of the matrix, with the trainee enrolled.
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, people.coordinator!);
  const sessionId = await addSession(ctx, { coordinator: people.coordinator!, trainers: [people.trainer!], training });
  await enrol(ctx, { actorId: someone.id, actorRoles: someone.roles, personId: someone.id, sessionId });
  const samples: Samples = {
    personId: someone.id,
    trainingId: training.id,
    trainingSlug: training.slug,
    sessionId,
    slotId: (await sessionOverview(db, sessionId))!.slots[0]!.id,
    ...(await attestationSample(db, people.coordinator!, people.trainer!, someone, training)),
    ...(await exportSample(db, people.coordinator!)),
  };

  const failures: string[] = [];
  let checked = 0;
  for (const [index, column] of COLUMNS.entries()) {
    const who = people[column];
    const headers: Record<string, string> = {};
    if (who) headers.cookie = `esper_session=${(await createSession(db, who.id, { days: 30 })).token}`;
    const request = await playwright.request.newContext({ baseURL, extraHTTPHeaders: headers, maxRedirects: 0 });
    for (const [route, expectations] of Object.entries(MATRIX)) {
      const path = SAMPLE_PATHS[route]?.(samples) ?? route;
      const response = await request.get(path);
      const status = response.status();
      const location = response.headers()['location'] ?? '';
      const refused = status === 403 && route !== '/403';
      if (status === 405 && !route.startsWith('/api/')) failures.push(`${column} GET ${route}: 405`);
      const toLogin = (status === 303 && location.startsWith('/connexion?suite=')) || (status === 401 && route.startsWith('/api/'));
      const hidden = status === 404 && expectations[index] === N;
      if (route.includes('[') && status === 404 && !hidden) failures.push(`${column} GET ${path}: the sample address does not exist`);
      const actual: Expected = refused ? F : toLogin ? L : hidden ? N : A;
      if (actual !== expectations[index]) failures.push(`${column} GET ${route}: expected ${expectations[index]}, got ${actual} (${status})`);
      if (actual === A && status >= 500 && route !== '/500' && route !== '/503') failures.push(`${column} GET ${route}: server error ${status}`);
      checked++;
    }
    await request.dispose();
  }
  expect(failures).toEqual([]);
  expect(checked).toBe(COLUMNS.length * Object.keys(MATRIX).length);
});

test('writes by a wrong role are refused and change nothing', async ({ playwright, person, db, baseURL }) => {
  const { createSession } = await import('../../src/lib/accounts/sessions.ts');
  const { rolesOf } = await import('../../src/lib/accounts/people.ts');
  const coordinator = await person({ givenName: 'Accès', familyName: 'Coord', roles: ['coordinator'] });
  const trainee = await person({ givenName: 'Accès', familyName: 'Stagiaire', roles: ['trainee'] });
  const origin = { origin: baseURL! };
  const as = async (who: typeof trainee) =>
    playwright.request.newContext({
      baseURL,
      maxRedirects: 0,
      extraHTTPHeaders: { ...origin, cookie: `esper_session=${(await createSession(db, who.id, { days: 30 })).token}` },
    });

  const asCoordinator = await as(coordinator);
  const grant = await asCoordinator.post(`/admin/personnes/${trainee.id}`, { form: { intent: 'grant', role: 'admin' } });
  expect(grant.status()).toBe(403);
  expect(await rolesOf(db, trainee.id)).toEqual(['trainee']);

  const asTrainee = await as(trainee);
  const invitation = await asTrainee.post('/coordination/invitations', { form: { email: 'intrus@exemple.fr', role: 'trainer' } });
  expect(invitation.status()).toBe(403);
  expect(await db.selectFrom('one_time_token').select('id').where('email', '=', 'intrus@exemple.fr').execute()).toEqual([]);
  const exportAsked = await asTrainee.post('/coordination/exports', { form: { export: 'personnes', q: 'stagiaire' } });
  expect(exportAsked.status()).toBe(403);
  expect(await db.selectFrom('export_job').select('id').where('requested_by', '=', trainee.id).execute()).toEqual([]);
  const settings = await db.selectFrom('organisation_settings').select(['name', 'updated_at']).executeTakeFirstOrThrow();
  const organisation = await asTrainee.post('/coordination/organisation', { multipart: { name: 'Intrus', address: 'Ailleurs', representativeName: 'Intrus', representativeTitle: 'Intrus' } });
  expect(organisation.status()).toBe(403);
  expect(await db.selectFrom('organisation_settings').select(['name', 'updated_at']).executeTakeFirstOrThrow()).toEqual(settings);

  // From another site, even a correct role is refused (forms and JSON alike).
  const admin = await person({ givenName: 'Accès', familyName: 'Admin', roles: ['admin'] });
  const asAdmin = await as(admin);
  for (const body of [{ form: { intent: 'grant', role: 'admin' } }, { data: { intent: 'grant', role: 'admin' } }]) {
    const crossSite = await asAdmin.post(`/admin/personnes/${trainee.id}`, { ...body, headers: { origin: 'https://ailleurs.example' } });
    expect(crossSite.status()).toBe(403);
  }
  expect(await rolesOf(db, trainee.id)).toEqual(['trainee']);
  await Promise.all([asCoordinator.dispose(), asTrainee.dispose(), asAdmin.dispose()]);
});

test('bad input gets a French 4xx, never a 500', async ({ playwright, baseURL }) => {
  const request = await playwright.request.newContext({ baseURL, maxRedirects: 0, extraHTTPHeaders: { origin: baseURL! } });
  const cases = [
    await request.post('/connexion', { data: { email: 'a' } }),
    await request.post('/connexion', { form: { email: 'pas-une-adresse', password: '' } }),
    await request.post('/inscription', { form: { givenName: 'x'.repeat(500), role: 'admin' } }),
    await request.post('/mot-de-passe/nouveau', { form: { jeton: '../../etc/passwd', password: 'x' } }),
    await request.post('/invitation', { multipart: { jeton: 'abc' } }),
    await request.get('/inscription/confirmer?jeton=%00%ff'),
  ];
  for (const response of cases) {
    expect(response.status(), response.url()).toBeGreaterThanOrEqual(400);
    expect(response.status(), response.url()).toBeLessThan(500);
    const text = await response.text();
    expect(text).not.toMatch(/at .*\.(ts|js|mjs):\d+/);
  }
  expect(await cases[1]!.text()).toContain('le format attendu est nom@exemple.fr');
  await request.dispose();
});
