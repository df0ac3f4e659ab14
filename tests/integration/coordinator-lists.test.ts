import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { DAY, testContext } from '../support/context.ts';
import { countingQueries } from '../support/query-counter.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addTraining, dayFromNow } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import type { Database } from '../../src/lib/db/index.ts';
import { createSession } from '../../src/lib/sessions/training-sessions.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { issueAttestation, reissueAttestation, revokeAttestation } from '../../src/lib/attestations/issue.ts';
import { parisInstant } from '../../src/lib/time.ts';
import { COUNT_CAP, type CsvRows, type ListDefinition, type ListQuery } from '../../src/lib/reporting/lists/engine.ts';
import { csvDocument } from '../../src/lib/web/csv.ts';
import { PEOPLE_LIST, peopleCsv, peoplePage } from '../../src/lib/reporting/lists/people.ts';
import { SESSIONS_LIST, sessionsCsv, sessionsPage, trainingChoices } from '../../src/lib/reporting/lists/sessions.ts';
import { ATTESTATIONS_LIST, attestationsCsv, attestationsPage } from '../../src/lib/reporting/lists/attestations.ts';
import { MISSIONS_LIST, missionsCsv, missionsPage } from '../../src/lib/reporting/lists/missions.ts';

/**
 * The coordination's four lists on a seeded world: 10,000 people besides the team, sessions past
 * and to come, attestations of every kind and status, missions in binôme. Each list is read as
 * its page reads it: from an address's parameters.
 */

const BULK = 10_000;
let database: TestDatabase;
let db: Database;
let world: World;
let ctx: ReturnType<typeof testContext>;
const named: Record<string, WorldPerson> = {};
let sessions: { past: string; soon: string; later: string; cancelled: string };
let trainings: { pssm: string; wrap: string };
let issued: { kept: string; revoked: string; replaced: string; replacement: string };

/** A list's query from an address, failing the test when the address is refused. */
function query<S extends string, F>(list: ListDefinition<S, F>, params: Record<string, string> = {}): ListQuery<S, F> {
  const read = list.read(new URLSearchParams(params));
  if (!read.ok) throw new Error(`${list.path} refused ${JSON.stringify(params)}: ${JSON.stringify(read.errors)}`);
  return read.query;
}

/** The whole text of a list's CSV, every chunk read. */
async function text(csv: CsvRows): Promise<string> {
  const lines: string[][] = [[...csv.header]];
  for await (const chunk of csv.chunks) lines.push(...chunk);
  return csvDocument(lines);
}

/** The lines of a French CSV (BOM, `;`, CRLF, fields quoted when needed), as arrays of fields. */
function parseCsv(content: string): string[][] {
  expect(content.startsWith('\uFEFF')).toBe(true);
  expect(content.endsWith('\r\n')).toBe(true);
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  const body = content.slice(1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ';') row.push(field), (field = '');
    else if (c === '\r' && body[i + 1] === '\n') row.push(field), rows.push(row), (field = ''), (row = []), i++;
    else field += c;
  }
  return rows;
}

async function session(input: { training: string; place: string; day: string; capacity: number; trainers?: WorldPerson[] }): Promise<string> {
  const outcome = await createSession(ctx, {
    actorId: world.coordinator.id,
    actorRoles: world.coordinator.roles,
    trainingId: input.training,
    place: input.place,
    capacity: input.capacity,
    cancellationNoticeHours: 48,
    trainerIds: (input.trainers ?? [world.trainer]).map((t) => t.id),
    slots: [
      { startsAt: parisInstant(input.day, '09:00')!, endsAt: parisInstant(input.day, '12:30')! },
      { startsAt: parisInstant(input.day, '13:30')!, endsAt: parisInstant(input.day, '17:00')! },
    ],
  });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.sessionId;
}

async function mission(person: WorldPerson, over: { doneOn: string; minutes: number; status: 'submitted' | 'validated' | 'returned'; stage?: number; partner?: string; pair?: string }) {
  await db
    .insertInto('volunteer_mission')
    .values({
      person_id: person.id,
      stage: over.stage ?? 2,
      done_on: over.doneOn,
      minutes: over.minutes,
      kind: 'group',
      partner_structure: over.partner ?? 'GEM Le Fil, Marseille',
      pair_name: over.pair ?? 'Inès Garcia',
      status: over.status,
      ...(over.status === 'submitted' ? {} : { reviewed_by: world.coordinator.id, reviewed_at: ctx.now() }),
      review_comment: over.status === 'returned' ? 'Précisez la structure.' : null,
    })
    .execute();
}

beforeAll(async () => {
  database = await freshDatabase();
  db = database.db;
  world = await buildWorld(db);
  ctx = testContext(db);
  const add = async (key: string, input: Parameters<typeof addPerson>[1]) => (named[key] = await addPerson(db, input));
  await add('helene', { givenName: 'Hélène', familyName: 'Dupré-Lefèvre', roles: ['trainee'], structure: 'Œuvre Sainte-Marthe' });
  await add('percent', { givenName: 'Marc', familyName: 'Cent%Pair', roles: ['professional'] });
  await add('underscore', { givenName: 'Lou', familyName: 'Sous_Tiret', roles: ['professional'] });
  await add('quote', { givenName: 'Siobhan', familyName: 'O’Brien', roles: ['professional'] });
  await add('backslash', { givenName: 'Anti', familyName: 'Barre\\Oblique', roles: ['professional'] });
  await add('formula', { givenName: 'Eve', familyName: 'Formule', roles: ['professional'], structure: '=HYPERLINK("http://exemple.fr")' });
  await add('trainer2', { givenName: 'Bastien', familyName: 'Aubert', roles: ['trainer'] });
  await db.insertInto('pathway_member').values({ person_id: named.helene!.id, stage: 3 }).execute();

  // The bulk: 10,000 people made in one statement, older than the team; one in three a trainee on a stage.
  await sql`
    insert into person (email, given_name, family_name, structure, email_verified_at, created_at)
    select 'personne' || lpad(i::text, 5, '0') || '@exemple.fr', 'Prénom' || i, 'Famille' || lpad(i::text, 5, '0'), case when i % 2 = 0 then 'CMP Nord' end,
           now(), now() - (i || ' minutes')::interval
    from generate_series(1, ${BULK}) as i`.execute(db);
  await sql`insert into person_role (person_id, role) select id, 'trainee' from person where email like 'personne%' and (substring(email from 9 for 5)::int) % 3 = 0`.execute(db);
  await sql`insert into pathway_member (person_id, stage)
            select p.id, 1 + (substring(p.email from 9 for 5)::int / 3) % 7 from person p join person_role r on r.person_id = p.id and r.role = 'trainee'
            where p.email like 'personne%'`.execute(db);

  // Sessions: one that took place (attestations), two to come, one cancelled.
  const pssm = await addTraining(ctx, world.coordinator);
  const wrap = await addTraining(ctx, world.coordinator, { title: 'Plan d’action pour le rétablissement (WRAP)' });
  trainings = { pssm: pssm.id, wrap: wrap.id };
  const [camille, zoe, lukasz] = world.trainees as [WorldPerson, WorldPerson, WorldPerson];
  const past = await finishedSession(ctx, {
    coordinator: world.coordinator,
    trainer: world.trainer,
    training: pssm,
    participants: [
      { person: camille, presence: [true, true, true, true] },
      { person: zoe, presence: [true, true, true, true] },
      { person: lukasz, presence: [true, true, true, false] },
      { person: named.helene!, presence: [true, true, true, true] },
    ],
  });
  const soon = await session({ training: pssm.id, place: 'Maison des associations, 93 La Canebière, Marseille', day: dayFromNow(ctx, 10), capacity: 3, trainers: [world.trainer, named.trainer2!] });
  const later = await session({ training: wrap.id, place: 'Espace santé, Toulon', day: dayFromNow(ctx, 40), capacity: 12 });
  const cancelled = await session({ training: wrap.id, place: 'Salle du GEM, Nice', day: dayFromNow(ctx, 20), capacity: 8 });
  await db.updateTable('training_session').set({ cancelled_at: ctx.now() }).where('id', '=', cancelled).execute();
  for (const p of [camille, zoe, lukasz, named.helene!, named.percent!])
    await enrol(ctx, { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, personId: p.id, sessionId: soon });
  await enrol(ctx, { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, personId: camille.id, sessionId: later });
  sessions = { past, soon, later, cancelled };

  // Attestations: certificates for all (one revoked, one re-issued), end-of-training for those fully present.
  const coordination = { actorId: world.coordinator.id, actorRoles: world.coordinator.roles };
  const certificate = async (p: WorldPerson, kind: 'completion_certificate' | 'end_of_training') => {
    const outcome = await issueAttestation(ctx, { ...coordination, sessionId: past, personId: p.id, kind });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.id;
  };
  const kept = await certificate(camille, 'completion_certificate');
  const revoked = await certificate(zoe, 'completion_certificate');
  const replaced = await certificate(lukasz, 'completion_certificate');
  await certificate(named.helene!, 'completion_certificate');
  await certificate(camille, 'end_of_training');
  await revokeAttestation(ctx, { ...coordination, attestationId: revoked, reason: 'Erreur de personne' });
  ctx.clock.advance(DAY);
  const reissued = await reissueAttestation(ctx, { ...coordination, attestationId: replaced });
  if (!reissued.ok) throw new Error(reissued.message);
  issued = { kept, revoked, replaced, replacement: reissued.id };
  // A stage attestation of an earlier year, as the pathway issues them.
  const template = await db.selectFrom('attestation').select(['pdf', 'pdf_sha256', 'details']).where('id', '=', kept).executeTakeFirstOrThrow();
  await db
    .insertInto('attestation')
    .values({
      number: 'EP-2025-000042',
      year: 2025,
      kind: 'pathway_stage',
      person_id: named.helene!.id,
      session_id: null,
      holder_name: 'Hélène Dupré-Lefèvre',
      title: 'Étape 2 : Initiation au métier',
      details: { issuer: 'ESPER Pro' },
      issued_at: new Date('2025-06-15T10:00:00Z'),
      pdf: template.pdf,
      pdf_sha256: 'f'.repeat(64),
      check_code: 'abcdefghij',
    })
    .execute();

  // Missions in binôme.
  await mission(camille, { doneOn: '2026-10-02', minutes: 90, status: 'validated', partner: 'GEM Le Fil, Marseille', pair: 'Inès Garcia' });
  await mission(camille, { doneOn: '2026-10-20', minutes: 150, status: 'submitted', partner: 'Clubhouse Marseille', pair: 'Inès Garcia' });
  await mission(zoe, { doneOn: '2026-09-12', minutes: 60, status: 'validated', stage: 3, partner: 'Équipe mobile précarité', pair: 'Moussa Diallo' });
  await mission(zoe, { doneOn: '2026-11-05', minutes: 45, status: 'returned', stage: 3, partner: 'GEM Le Fil, Marseille', pair: 'Moussa Diallo' });
  await mission(named.helene!, { doneOn: '2026-08-30', minutes: 240, status: 'validated', stage: 3, partner: 'Œuvre Sainte-Marthe', pair: 'Karim Benali' });
  for (let i = 0; i < 60; i++)
    await mission(lukasz, { doneOn: `2026-0${1 + (i % 6)}-${String(1 + (i % 28)).padStart(2, '0')}`, minutes: 30 + i, status: 'validated', partner: 'Centre social', pair: 'Binôme' });
}, 120_000);
afterAll(() => database.drop());

describe('people: search, filters, sort, pages', () => {
  it('finds a person whatever the case and the accents, by name in either order, email or structure', async () => {
    const found = async (q: string) => (await peoplePage(db, query(PEOPLE_LIST, { q }))).rows.map((r) => r.id);
    for (const q of ['dupre-lefevre', 'DUPRÉ', 'helene dupre', 'Lefèvre Hélène', 'oeuvre sainte', named.helene!.email.slice(0, 12)])
      expect(await found(q), q).toEqual([named.helene!.id]);
    // A straight apostrophe finds a typographic one.
    expect(await found("o'brien")).toEqual([named.quote!.id]);
    const structure = await peoplePage(db, query(PEOPLE_LIST, { q: 'cmp nord' }));
    expect(structure.total).toBe(BULK / 2);
  });

  it('takes %, _, \\ and quotes literally', async () => {
    const found = async (q: string) => (await peoplePage(db, query(PEOPLE_LIST, { q }))).rows.map((r) => r.id);
    expect(await found('%')).toEqual([named.percent!.id]);
    expect(await found('t%p')).toEqual([named.percent!.id]);
    expect(await found('s_t')).toEqual([named.underscore!.id]);
    expect(await found('_')).toEqual([named.underscore!.id]);
    expect(await found('\\')).toEqual([named.backslash!.id]);
    expect(await found("'; drop table person; --")).toEqual([]);
    expect(await found('c%p')).toEqual([]);
    expect((await peoplePage(db, query(PEOPLE_LIST))).total).toBe(COUNT_CAP);
  });

  it('filters by role and by pathway stage (a trainee without a row yet is on stage 1)', async () => {
    const trainers = await peoplePage(db, query(PEOPLE_LIST, { role: 'trainer' }));
    expect(trainers.rows.map((r) => r.familyName)).toEqual(['Aubert', 'Rossi']);
    const stageThree = await peoplePage(db, query(PEOPLE_LIST, { etape: '3', q: 'lefèvre' }));
    expect(stageThree.rows.map((r) => [r.id, r.stage])).toEqual([[named.helene!.id, 3]]);
    const stageOne = await peoplePage(db, query(PEOPLE_LIST, { etape: '1', tri: 'inscription' }));
    // The world's three trainees have no pathway row: they read as stage 1, newest first.
    expect(stageOne.rows.slice(0, 3).map((r) => r.familyName).sort()).toEqual(['Lefèvre', 'Martin', 'Nowak']);
    const bulkOnStage = Number(
      (await sql<{ n: number }>`select count(*) as n from pathway_member m join person p on p.id = m.person_id where m.stage = 4 and p.email like 'personne%'`.execute(db)).rows[0]!.n,
    );
    expect((await peoplePage(db, query(PEOPLE_LIST, { etape: '4' }))).total).toBe(bulkOnStage);
    expect((await peoplePage(db, query(PEOPLE_LIST, { role: 'trainer', etape: '1' }))).total).toBe(0);
  });

  it('sorts by name or by creation, either way, and pages by 50 without gaps or repeats', async () => {
    const byName = await peoplePage(db, query(PEOPLE_LIST, { q: 'famille' }));
    expect(byName.rows).toHaveLength(50);
    expect(byName.rows[0]!.familyName).toBe('Famille00001');
    const second = await peoplePage(db, query(PEOPLE_LIST, { q: 'famille', page: '2' }));
    expect(second.rows[0]!.familyName).toBe('Famille00051');
    expect(second.rows[49]!.familyName).toBe('Famille00100');
    const descending = await peoplePage(db, query(PEOPLE_LIST, { q: 'famille', ordre: 'desc' }));
    expect(descending.rows[0]!.familyName).toBe('Famille10000');
    // Accents sort as their letters: Dupré-Lefèvre before Formule, Łukasz Nowak among the N.
    const team = (await peoplePage(db, query(PEOPLE_LIST, { role: 'professional' }))).rows.map((r) => r.familyName);
    expect(team).toEqual(['Barre\\Oblique', 'Benali', 'Cent%Pair', 'Formule', 'O’Brien', 'Sous_Tiret']);
    const newest = await peoplePage(db, query(PEOPLE_LIST, { tri: 'inscription' }));
    expect(newest.rows[0]!.familyName).toBe('Aubert');
    const oldest = await peoplePage(db, query(PEOPLE_LIST, { tri: 'inscription', ordre: 'asc' }));
    expect(oldest.rows[0]!.familyName).toBe('Famille10000');
    const beyond = await peoplePage(db, query(PEOPLE_LIST, { q: 'famille', page: '200' }));
    expect(beyond.rows).toHaveLength(50);
    expect(beyond.rows[49]!.familyName).toBe('Famille10000');
  });

  it('refuses a bad address in French rather than guessing', () => {
    const refused = (params: Record<string, string>) => {
      const read = PEOPLE_LIST.read(new URLSearchParams(params));
      expect(read.ok, JSON.stringify(params)).toBe(false);
      return read.ok ? {} : read.errors;
    };
    expect(refused({ tri: 'email' })).toEqual({ tri: 'Tri : choisissez une des colonnes proposées.' });
    expect(refused({ ordre: 'haut' }).ordre).toMatch(/^Ordre :/);
    expect(refused({ role: 'superuser' }).role).toBe('Rôle : choisissez une des options proposées.');
    expect(refused({ etape: '9' }).etape).toMatch(/^Étape du parcours/);
    expect(refused({ page: '0' }).page).toBe('Page : au moins 1.');
    expect(refused({ page: '201' }).page).toMatch(/^Page : 200 au plus/);
    expect(refused({ page: 'deux' }).page).toBe('Page : un nombre entier.');
    expect(refused({ q: 'x'.repeat(101) }).q).toBe('Recherche : 100 caractères au plus.');
    // Empty fields (an unchosen select) and unknown names are no filter.
    const read = PEOPLE_LIST.read(new URLSearchParams('q=&role=&etape=&info=ok'));
    expect(read.ok && read.query).toMatchObject({ q: undefined, filters: {}, sort: 'nom', order: 'asc', page: 1 });
  });
});

describe('CSV exports', () => {
  it('streams every person the list holds, in its order, with the header, whatever the number', async () => {
    const q = query(PEOPLE_LIST, { tri: 'inscription', ordre: 'asc' });
    const rows = parseCsv(await text(peopleCsv(db, q)));
    const total = Number((await db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).where('erased_at', 'is', null).executeTakeFirstOrThrow()).n);
    expect(rows[0]).toEqual(['Nom', 'Prénom', 'Adresse e-mail', 'Adresse confirmée', 'Structure', 'Rôles', 'Étape du parcours', 'Compte créé le']);
    expect(rows).toHaveLength(total + 1);
    expect(total).toBeGreaterThan(BULK);
    // Oldest first: Famille10000 down to Famille00001, then the team; each person once.
    expect(rows.slice(1, BULK + 1).map((r) => r[0])).toEqual(Array.from({ length: BULK }, (_, i) => `Famille${String(BULK - i).padStart(5, '0')}`));
    expect(new Set(rows.slice(1).map((r) => r[2])).size).toBe(total);
    // Its count, over which an export's progress is shown, is every row (not capped like a page's).
    expect(await peopleCsv(db, q).count()).toBe(total);
    // The same parameters as the page: its first page is the CSV's first 50 rows.
    const page = await peoplePage(db, q);
    expect(rows.slice(1, 51).map((r) => r[2])).toEqual(page.rows.map((r) => r.email));
  });

  it('keeps the filters and sort by name, defuses formulas and writes French labels', async () => {
    const rows = parseCsv(await text(peopleCsv(db, query(PEOPLE_LIST, { role: 'professional', ordre: 'desc' }))));
    expect(rows.slice(1).map((r) => r[0])).toEqual(['Sous_Tiret', 'O’Brien', 'Formule', 'Cent%Pair', 'Benali', 'Barre\\Oblique']);
    const formula = rows.find((r) => r[0] === 'Formule')!;
    expect(formula[4]).toBe('\'=HYPERLINK("http://exemple.fr")');
    expect(formula[5]).toBe('Professionnel·le');
    const helene = parseCsv(await text(peopleCsv(db, query(PEOPLE_LIST, { q: 'hélène' }))));
    expect(helene[1]).toEqual(['Dupré-Lefèvre', 'Hélène', named.helene!.email, 'oui', 'Œuvre Sainte-Marthe', 'Stagiaire du parcours', '3', expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}$/)]);
  });

  it('gives the database back between chunks: another request is answered while a long export is read', async () => {
    const chunks = peopleCsv(db, query(PEOPLE_LIST)).chunks[Symbol.asyncIterator]();
    expect((await chunks.next()).value).toHaveLength(1000); // the first chunk
    const other = await db.selectFrom('training').select('title').limit(1).execute();
    expect(other).toHaveLength(1);
    await chunks.return?.(undefined);
  });
});

describe('sessions', () => {
  it('lists what is to come by default, with trainers, seats and waiting list; the past and all on demand', async () => {
    const now = ctx.now();
    const upcoming = await sessionsPage(db, query(SESSIONS_LIST), now);
    expect(upcoming.rows.map((r) => r.id)).toEqual([sessions.soon, sessions.cancelled, sessions.later]);
    const soon = upcoming.rows[0]!;
    expect(soon).toMatchObject({ title: 'Premiers secours en santé mentale', enrolled: 3, capacity: 3, waitlisted: 2, fill: 1, cancelled: false });
    expect(soon.trainers).toBe('Bastien Aubert, Nadia Rossi');
    expect(upcoming.rows[1]!.cancelled).toBe(true);
    expect((await sessionsPage(db, query(SESSIONS_LIST, { periode: 'passees' }), now)).rows.map((r) => r.id)).toEqual([sessions.past]);
    expect((await sessionsPage(db, query(SESSIONS_LIST, { periode: 'toutes' }), now)).total).toBe(4);
  });

  it('searches title and place without accents, filters by training, sorts by title and fill', async () => {
    const now = ctx.now();
    const found = async (params: Record<string, string>) => (await sessionsPage(db, query(SESSIONS_LIST, params), now)).rows.map((r) => r.id);
    expect(await found({ q: 'canebiere' })).toEqual([sessions.soon]);
    expect(await found({ q: 'RETABLISSEMENT toulon' })).toEqual([sessions.later]);
    expect(await found({ q: '%' })).toEqual([]);
    expect(await found({ formation: trainings.wrap, periode: 'toutes' })).toEqual([sessions.cancelled, sessions.later]);
    expect(await found({ tri: 'titre', periode: 'toutes' })).toEqual([sessions.cancelled, sessions.later, sessions.past, sessions.soon]);
    expect(await found({ tri: 'remplissage' })).toEqual([sessions.soon, sessions.later, sessions.cancelled]);
    expect(SESSIONS_LIST.read(new URLSearchParams({ formation: 'pssm' })).ok).toBe(false);
    expect(SESSIONS_LIST.read(new URLSearchParams({ periode: 'demain' })).ok).toBe(false);
    expect((await trainingChoices(db)).map((t) => t.title)).toEqual(['Plan d’action pour le rétablissement (WRAP)', 'Premiers secours en santé mentale']);
  });

  it('exports the same rows as CSV, with the fill rate as a French decimal', async () => {
    const rows = parseCsv(await text(sessionsCsv(db, query(SESSIONS_LIST, { periode: 'toutes', tri: 'titre' }), ctx.now())));
    expect(rows[0]).toEqual(['Formation', 'Début', 'Fin', 'Lieu', 'Formateur·rices', 'Inscrits', 'Places', 'Remplissage (%)', 'Liste d’attente', 'Annulée']);
    expect(rows).toHaveLength(5);
    expect(await sessionsCsv(db, query(SESSIONS_LIST, { periode: 'toutes', tri: 'titre' }), ctx.now()).count()).toBe(4);
    const later = rows.find((r) => r[3] === 'Espace santé, Toulon')!;
    expect(later.slice(4)).toEqual(['Nadia Rossi', '1', '12', '8,3', '0', 'non']);
    expect(later[1]).toMatch(/^\d{2}\/\d{2}\/\d{4} 09:00$/);
    expect(rows.find((r) => r[3] === 'Salle du GEM, Nice')![9]).toBe('oui');
  });
});

describe('attestations', () => {
  it('searches by number or holder, filters by kind, status and period, sorts by number, date or holder', async () => {
    const found = async (params: Record<string, string>) => (await attestationsPage(db, query(ATTESTATIONS_LIST, params))).rows;
    const numbers = await db.selectFrom('attestation').select(['id', 'number']).execute();
    const numberOf = (id: string) => numbers.find((n) => n.id === id)!.number;
    expect((await found({ q: numberOf(issued.kept).toLowerCase() })).map((r) => r.id)).toEqual([issued.kept]);
    expect((await found({ q: 'zoe lefevre' })).map((r) => [r.id, r.status])).toEqual([[issued.revoked, 'revoquee']]);
    expect((await found({ statut: 'remplacee' })).map((r) => r.id)).toEqual([issued.replaced]);
    expect((await found({ statut: 'revoquee' })).map((r) => r.id)).toEqual([issued.revoked]);
    expect((await found({ statut: 'valide' })).map((r) => r.id)).not.toContain(issued.replaced);
    expect((await found({ statut: 'valide' })).map((r) => r.id)).toContain(issued.replacement);
    expect((await found({ type: 'end_of_training' })).map((r) => r.holderName)).toEqual(['Camille Martin']);
    expect((await found({ type: 'pathway_stage' })).map((r) => r.number)).toEqual(['EP-2025-000042']);
    expect((await found({ du: '2025-06-15', au: '2025-06-15' })).map((r) => r.number)).toEqual(['EP-2025-000042']);
    expect((await found({ au: '2025-06-14' }))).toEqual([]);
    expect((await found({ du: '2026-01-01' })).length).toBe(6);
    expect((await found({ tri: 'numero' })).map((r) => r.number)[0]).toBe('EP-2025-000042');
    expect((await found({ tri: 'titulaire', statut: 'valide' })).map((r) => r.holderName)).toEqual(['Camille Martin', 'Camille Martin', 'Hélène Dupré-Lefèvre', 'Hélène Dupré-Lefèvre', 'Łukasz Nowak']);
    expect((await found({})).at(-1)!.number).toBe('EP-2025-000042');
    const periodRefused = ATTESTATIONS_LIST.read(new URLSearchParams({ du: '2026-03-01', au: '2026-02-01' }));
    expect(periodRefused.ok ? null : periodRefused.errors).toEqual({ au: 'Jusqu’au : la fin de la période doit suivre son début.' });
    const impossible = ATTESTATIONS_LIST.read(new URLSearchParams({ du: '2026-02-30' }));
    expect(impossible.ok ? null : impossible.errors.du).toBe('Délivrées depuis le : cette date n’existe pas.');
    expect(ATTESTATIONS_LIST.read(new URLSearchParams({ statut: 'valid' })).ok).toBe(false);
  });

  it('exports them with hours as French decimals, never the PDF', async () => {
    const rows = parseCsv(await text(attestationsCsv(db, query(ATTESTATIONS_LIST, { tri: 'numero', type: 'completion_certificate' }))));
    expect(rows[0]).toEqual(['Numéro', 'Type', 'Titulaire', 'Employeur', 'Intitulé', 'Délivrée le', 'Heures réalisées', 'Statut', 'Motif de révocation']);
    expect(rows).toHaveLength(6);
    expect(await attestationsCsv(db, query(ATTESTATIONS_LIST, { type: 'completion_certificate' })).count()).toBe(5);
    const revoked = rows.find((r) => r[2] === 'Zoë Lefèvre')!;
    expect(revoked.slice(6)).toEqual(['14', 'Révoquée', 'Erreur de personne']);
    expect(rows.filter((r) => r[2] === 'Łukasz Nowak').map((r) => [r[6], r[7]])).toEqual([
      ['10,5', 'Remplacée'],
      ['10,5', 'Valide'],
    ]);
  });
});

describe('missions in binôme', () => {
  it('searches by trainee, partner or pair; filters by status, stage and period; sums the hours of the filtered set', async () => {
    const page = async (params: Record<string, string>) => missionsPage(db, query(MISSIONS_LIST, params));
    expect((await page({ q: 'camille' })).rows.map((r) => r.doneOn)).toEqual(['2026-10-20', '2026-10-02']);
    expect((await page({ q: 'equipe mobile' })).rows.map((r) => r.traineeName)).toEqual(['Zoë Lefèvre']);
    expect((await page({ q: 'moussa' })).minutes).toBe(105);
    const validated = await page({ statut: 'validated' });
    expect(validated.total).toBe(63);
    expect(validated.minutes).toBe(90 + 60 + 240 + Array.from({ length: 60 }, (_, i) => 30 + i).reduce((a, b) => a + b, 0));
    expect(validated.rows).toHaveLength(50);
    expect((await page({ statut: 'validated', page: '2' })).rows).toHaveLength(13);
    expect((await page({ etape: '3' })).rows.map((r) => r.doneOn)).toEqual(['2026-11-05', '2026-09-12', '2026-08-30']);
    expect((await page({ du: '2026-10-01', au: '2026-10-31' })).rows.map((r) => r.minutes)).toEqual([150, 90]);
    expect((await page({ tri: 'duree', q: 'marseille' })).rows.map((r) => r.minutes)).toEqual([150, 90, 45]);
    expect((await page({ tri: 'duree', ordre: 'asc', q: 'lukasz' })).rows[0]!.minutes).toBe(30);
    expect((await page({ statut: 'returned' })).rows.map((r) => r.status)).toEqual(['returned']);
    expect(MISSIONS_LIST.read(new URLSearchParams({ statut: 'validee' })).ok).toBe(false);
    expect(MISSIONS_LIST.read(new URLSearchParams({ etape: '8' })).ok).toBe(false);
  });

  it('exports the filtered set with durations in hours, as French decimals', async () => {
    const rows = parseCsv(await text(missionsCsv(db, query(MISSIONS_LIST, { q: 'camille', tri: 'date', ordre: 'asc' }))));
    expect(rows).toEqual([
      ['Date', 'Stagiaire', 'Étape', 'Type de mission', 'Durée (h)', 'Structure partenaire', 'Binôme', 'Statut'],
      ['02/10/2026', 'Camille Martin', '2', 'Groupe', '1,5', 'GEM Le Fil, Marseille', 'Inès Garcia', 'Validée'],
      ['20/10/2026', 'Camille Martin', '2', 'Groupe', '2,5', 'Clubhouse Marseille', 'Inès Garcia', 'En attente de validation'],
    ]);
    expect(parseCsv(await text(missionsCsv(db, query(MISSIONS_LIST, { q: 'lukasz' }))))).toHaveLength(61);
    expect(await missionsCsv(db, query(MISSIONS_LIST, { q: 'lukasz' })).count()).toBe(60);
  });
});

describe('cost', () => {
  it('a page of each list is a fixed number of queries, whatever the data', async () => {
    const counting = countingQueries(db);
    const now = ctx.now();
    // The counter counts every query built, a subquery built apart included; each list makes two round trips.
    const costs = async () => {
      const cost = async (read: () => Promise<unknown>) => {
        counting.reset();
        await read();
        return counting.count();
      };
      return {
        people: await cost(() => peoplePage(counting.db, query(PEOPLE_LIST, { etape: '2', q: 'prenom' }))),
        sessions: await cost(() => sessionsPage(counting.db, query(SESSIONS_LIST, { periode: 'toutes', q: 'marseille' }), now)),
        attestations: await cost(() => attestationsPage(counting.db, query(ATTESTATIONS_LIST, { statut: 'valide' }))),
        missions: await cost(() => missionsPage(counting.db, query(MISSIONS_LIST, { q: 'gem' }))),
      };
    };
    const before = await costs();
    for (const n of Object.values(before)) expect(n).toBeLessThanOrEqual(5);
    for (let i = 0; i < 5; i++) await mission(world.trainees[0]!, { doneOn: '2026-11-01', minutes: 60, status: 'submitted', partner: 'GEM Nord' });
    await session({ training: trainings.pssm, place: 'Marseille, Belle de Mai', day: dayFromNow(ctx, 50), capacity: 5, trainers: [world.trainer, named.trainer2!] });
    await sql`insert into person (email, given_name, family_name) select 'encore' || i || '@exemple.fr', 'Prénom', 'Encore' from generate_series(1, 200) as i`.execute(db);
    await sql`insert into person_role (person_id, role) select id, 'trainee' from person where email like 'encore%'`.execute(db);
    await sql`insert into pathway_member (person_id, stage) select id, 2 from person where email like 'encore%'`.execute(db);
    expect(await costs()).toEqual(before);
  });

  it('a search among 10,000 people stays quick', async () => {
    const started = performance.now();
    const found = await peoplePage(db, query(PEOPLE_LIST, { q: 'famille0999' }));
    const last = await peoplePage(db, query(PEOPLE_LIST, { q: 'famille', page: '200' }));
    expect(found.rows).toHaveLength(10);
    expect(last.rows).toHaveLength(50);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('addresses', () => {
  it('writes links with the filters kept and defaults left out, for sorting, paging and the export', () => {
    const q = query(ATTESTATIONS_LIST, { q: 'zoë', type: 'attendance', du: '2026-01-01', au: '2026-12-31', page: '3' });
    expect(ATTESTATIONS_LIST.href(q)).toBe('/coordination/attestations?q=zo%C3%AB&type=attendance&du=2026-01-01&au=2026-12-31&page=3');
    expect(ATTESTATIONS_LIST.href(q, { sort: 'titulaire', page: 1 })).toBe('/coordination/attestations?q=zo%C3%AB&type=attendance&du=2026-01-01&au=2026-12-31&tri=titulaire');
    expect(ATTESTATIONS_LIST.href(q, { order: 'asc', page: 1 })).toBe('/coordination/attestations?q=zo%C3%AB&type=attendance&du=2026-01-01&au=2026-12-31&tri=date&ordre=asc');
    // The export posts the same filters, every page: the page number is left out, the sort kept when not the default.
    expect(ATTESTATIONS_LIST.exportFields(q)).toEqual([['q', 'zoë'], ['type', 'attendance'], ['du', '2026-01-01'], ['au', '2026-12-31']]);
    expect(ATTESTATIONS_LIST.exportFields(query(ATTESTATIONS_LIST, { tri: 'numero', ordre: 'desc', statut: 'valide', page: '2' }))).toEqual([['statut', 'valide'], ['tri', 'numero'], ['ordre', 'desc']]);
    expect(SESSIONS_LIST.href(query(SESSIONS_LIST, { periode: 'a-venir' }))).toBe('/coordination/seances?periode=a-venir');
    expect(MISSIONS_LIST.href(query(MISSIONS_LIST, { statut: 'validated' }))).toBe('/coordination/missions?statut=validated');
  });
});
