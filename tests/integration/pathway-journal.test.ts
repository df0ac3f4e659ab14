import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext, DAY } from '../support/context.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import type { Database } from '../../src/lib/db/index.ts';
import {
  deleteEntry,
  JOURNAL_BODY_MAX,
  journalOf,
  shareEntry,
  sharedEntriesFor,
  sharedEntry,
  SHARED_ENTRIES_LIMIT,
  unshareEntry,
  updateEntry,
  writeEntry,
} from '../../src/lib/pathway/journal.ts';
import { eraseAccount, exportPersonalData } from '../../src/lib/accounts/personal-data.ts';

/**
 * The carnet de bord is its author's alone: every role is tried against every way in (read,
 * change, share, the shared views, the data downloads), with a unique marker in the text that
 * must surface only where the author, or a referent after sharing, is meant to read it.
 */

let database: TestDatabase;
let db: Database;
let world: World;
/** The author: a trainee on stage 2, with a professional and a peer referent. */
let author: WorldPerson;
let professionalReferent: WorldPerson;
let peerReferent: WorldPerson;
/** Everyone who must never read the author's journal, by what they are. */
let outsiders: Record<string, WorldPerson>;

/** Puts a trainee in the pathway at a stage, with referents (written straight in the table: choosing referents is tested elsewhere). */
async function inPathway(person: WorldPerson, stage: number, referents: { professional?: WorldPerson; peer?: WorldPerson } = {}) {
  await db
    .insertInto('pathway_member')
    .values({ person_id: person.id, stage, professional_referent_id: referents.professional?.id ?? null, peer_referent_id: referents.peer?.id ?? null })
    .onConflict((oc) =>
      oc.column('person_id').doUpdateSet({ stage, professional_referent_id: referents.professional?.id ?? null, peer_referent_id: referents.peer?.id ?? null }),
    )
    .execute();
}

const entryRow = (id: string) => db.selectFrom('journal_entry').selectAll().where('id', '=', id).executeTakeFirst();

beforeAll(async () => {
  database = await freshDatabase();
  db = database.db;
  world = await buildWorld(db);
  author = world.trainees[0]!;
  professionalReferent = world.professional;
  peerReferent = world.trainer;
  await inPathway(author, 2, { professional: professionalReferent, peer: peerReferent });
  const someoneElsesReferent = await addPerson(db, { givenName: 'Leïla', familyName: 'Haddad', roles: ['professional'] });
  await inPathway(world.trainees[1]!, 3, { professional: someoneElsesReferent });
  outsiders = {
    'another trainee': world.trainees[1]!,
    'a trainee with no pathway row yet': world.trainees[2]!,
    'a professional': await addPerson(db, { givenName: 'Marc', familyName: 'Aubert', roles: ['professional'] }),
    'a trainer': await addPerson(db, { givenName: 'Inès', familyName: 'Fabre', roles: ['trainer'] }),
    'a coordinator': world.coordinator,
    'an admin': world.admin,
    'the referent of someone else': someoneElsesReferent,
    'a coordinator and admin at once': await addPerson(db, { givenName: 'Paul', familyName: 'Roux', roles: ['coordinator', 'admin'] }),
  };
});
afterAll(() => database.drop());

describe('a trainee keeps a carnet de bord', () => {
  it('writes on the current stage by default, or on an earlier one, never ahead', async () => {
    const ctx = testContext(db);
    const first = await writeEntry(ctx, { authorId: author.id, body: '  Première rencontre avec le binôme.\r\nJ’ai beaucoup écouté.  ' });
    expect(first).toMatchObject({ ok: true });
    if (!first.ok) return;
    expect(await entryRow(first.id)).toMatchObject({ stage: 2, body: 'Première rencontre avec le binôme.\nJ’ai beaucoup écouté.', shared_at: null });
    ctx.clock.advance(DAY);
    const earlier = await writeEntry(ctx, { authorId: author.id, stage: 1, body: 'Ce que m’a apporté le programme découverte.' });
    expect(earlier.ok).toBe(true);
    expect(await writeEntry(ctx, { authorId: author.id, stage: 3, body: 'Trop tôt.' })).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('Étape') });
    expect(await writeEntry(ctx, { authorId: author.id, stage: 0, body: 'Non.' })).toMatchObject({ ok: false, status: 400 });

    const journal = await journalOf(db, author.id, author.id);
    expect(journal).toMatchObject({ isTrainee: true, currentStage: 2, writableStages: [1, 2], total: 2 });
    expect(journal!.stages.map((s) => [s.stage, s.entries.length])).toEqual([[1, 1], [2, 1]]);
    expect(journal!.referents).toEqual([
      { id: professionalReferent.id, name: 'Karim Benali', kind: 'professional' },
      { id: peerReferent.id, name: 'Nadia Rossi', kind: 'peer' },
    ]);
  });

  it('refuses an empty note and one beyond 20,000 characters, in French', async () => {
    const ctx = testContext(db);
    expect(await writeEntry(ctx, { authorId: author.id, body: ' \n\t ' })).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('Votre note') });
    expect(await writeEntry(ctx, { authorId: author.id, body: 'é'.repeat(JOURNAL_BODY_MAX + 1) })).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('20') });
    const longest = await writeEntry(ctx, { authorId: author.id, body: 'é'.repeat(JOURNAL_BODY_MAX) });
    expect(longest.ok).toBe(true);
    if (longest.ok) expect(await deleteEntry(ctx, { authorId: author.id, entryId: longest.id })).toEqual({ ok: true });
  });

  it('is refused to someone outside the pathway, kindly', async () => {
    const ctx = testContext(db);
    for (const person of [world.coordinator, world.admin, world.professional, world.trainer]) {
      expect(await writeEntry(ctx, { authorId: person.id, body: 'Une note.' })).toMatchObject({ ok: false, status: 403, message: expect.stringContaining('stagiaires du parcours') });
      expect(await journalOf(db, person.id, person.id)).toMatchObject({ isTrainee: false, writableStages: [], total: 0 });
    }
    expect(await writeEntry(ctx, { authorId: randomUUID(), body: 'Une note.' })).toMatchObject({ ok: false, status: 403 });
    expect(await writeEntry(ctx, { authorId: 'pas-un-id', body: 'Une note.' })).toMatchObject({ ok: false, status: 403 });
  });

  it('edits, shares, takes back and deletes a note; the audit log says when it was shared, never what it says', async () => {
    const ctx = testContext(db);
    const written = await writeEntry(ctx, { authorId: author.id, body: 'Brouillon' });
    if (!written.ok) throw new Error(written.message);
    ctx.clock.advance(60_000);
    expect(await updateEntry(ctx, { authorId: author.id, entryId: written.id, body: 'Texte mûri', stage: 1 })).toEqual({ ok: true });
    expect(await entryRow(written.id)).toMatchObject({ body: 'Texte mûri', stage: 1, updated_at: ctx.now() });
    expect(await updateEntry(ctx, { authorId: author.id, entryId: written.id, body: 'Texte mûri', stage: 3 })).toMatchObject({ ok: false, status: 400 });
    expect(await updateEntry(ctx, { authorId: author.id, entryId: written.id, body: '' })).toMatchObject({ ok: false, status: 400 });

    expect(await shareEntry(ctx, { authorId: author.id, entryId: written.id })).toEqual({ ok: true });
    expect((await entryRow(written.id))!.shared_at).toEqual(ctx.now());
    // A second press writes nothing more.
    expect(await shareEntry(ctx, { authorId: author.id, entryId: written.id })).toEqual({ ok: true });
    expect(await unshareEntry(ctx, { authorId: author.id, entryId: written.id })).toEqual({ ok: true });
    expect((await entryRow(written.id))!.shared_at).toBeNull();

    const events = await db.selectFrom('audit_event').select(['action', 'actor_id', 'subject_person_id', 'details']).where('action', 'like', 'journal.%').orderBy('id').execute();
    expect(events).toEqual([
      { action: 'journal.shared', actor_id: author.id, subject_person_id: author.id, details: { entryId: written.id, stage: 1 } },
      { action: 'journal.unshared', actor_id: author.id, subject_person_id: author.id, details: { entryId: written.id, stage: 1 } },
    ]);

    expect(await deleteEntry(ctx, { authorId: author.id, entryId: written.id })).toEqual({ ok: true });
    expect(await entryRow(written.id)).toBeUndefined();
    expect(await deleteEntry(ctx, { authorId: author.id, entryId: written.id })).toMatchObject({ ok: false, status: 404 });
  });
});

describe('nobody but the author reads the journal, whatever their role', () => {
  const marker = `MARQUEUR-PRIVE-${randomUUID()}`;
  const sharedMarker = `MARQUEUR-PARTAGE-${randomUUID()}`;
  let privateId: string;
  let sharedId: string;

  beforeAll(async () => {
    const ctx = testContext(db);
    const a = await writeEntry(ctx, { authorId: author.id, body: `Ce que je garde pour moi. ${marker}` });
    const b = await writeEntry(ctx, { authorId: author.id, body: `Ce que je veux montrer à mes référents. ${sharedMarker}` });
    if (!a.ok || !b.ok) throw new Error('the notes were not written');
    privateId = a.id;
    sharedId = b.id;
  });

  /** Everything a person can reach of the author's notes through the domain, and every write tried as them. */
  async function expectLockedOut(viewer: WorldPerson, label: string) {
    const ctx = testContext(db);
    expect(await journalOf(db, author.id, viewer.id), label).toBeUndefined();
    expect(JSON.stringify(await sharedEntriesFor(db, viewer.id)), label).not.toContain(author.id);
    for (const entryId of [privateId, sharedId]) {
      const before = await entryRow(entryId);
      expect(await sharedEntry(db, entryId, viewer.id), label).toBeUndefined();
      expect(await updateEntry(ctx, { authorId: viewer.id, entryId, body: 'Réécrit par quelqu’un d’autre' }), label).toMatchObject({ ok: false, status: 404 });
      expect(await shareEntry(ctx, { authorId: viewer.id, entryId }), label).toMatchObject({ ok: false, status: 404 });
      expect(await unshareEntry(ctx, { authorId: viewer.id, entryId }), label).toMatchObject({ ok: false, status: 404 });
      expect(await deleteEntry(ctx, { authorId: viewer.id, entryId }), label).toMatchObject({ ok: false, status: 404 });
      expect(await entryRow(entryId), label).toEqual(before);
    }
    // Their own journal never holds the author's notes.
    expect(JSON.stringify(await journalOf(db, viewer.id, viewer.id) ?? null), label).not.toMatch(/MARQUEUR/);
  }

  it('before sharing: every other role, the referents included, gets nothing and changes nothing', async () => {
    for (const [label, viewer] of Object.entries(outsiders)) await expectLockedOut(viewer, label);
    await expectLockedOut(professionalReferent, 'the professional referent, before sharing');
    await expectLockedOut(peerReferent, 'the peer referent, before sharing');
    // The answer for someone else's note is the answer for a note that does not exist.
    const ctx = testContext(db);
    const missing = await deleteEntry(ctx, { authorId: world.admin.id, entryId: randomUUID() });
    const someoneElses = await deleteEntry(ctx, { authorId: world.admin.id, entryId: privateId });
    expect(someoneElses).toEqual(missing);
    expect(await deleteEntry(ctx, { authorId: world.admin.id, entryId: 'pas-un-id' })).toEqual(missing);
  });

  it('after sharing one note: its author’s referents read that note alone; every other role still gets nothing', async () => {
    const ctx = testContext(db);
    expect(await shareEntry(ctx, { authorId: author.id, entryId: sharedId })).toEqual({ ok: true });
    for (const referent of [professionalReferent, peerReferent]) {
      const { entries, more } = await sharedEntriesFor(db, referent.id);
      expect(more).toBe(false);
      expect(entries.map((e) => e.id)).toEqual([sharedId]);
      expect(entries[0]).toMatchObject({ authorId: author.id, authorName: 'Camille Martin', stage: 2, body: expect.stringContaining(sharedMarker) });
      expect(await sharedEntry(db, sharedId, referent.id)).toMatchObject({ id: sharedId, body: expect.stringContaining(sharedMarker) });
      // The private note stays private, and the journal itself stays closed to them.
      expect(await sharedEntry(db, privateId, referent.id)).toBeUndefined();
      expect(JSON.stringify(entries)).not.toContain(marker);
      expect(await journalOf(db, author.id, referent.id)).toBeUndefined();
      // Reading is all: they cannot change, take back or delete the author's note.
      const before = await entryRow(sharedId);
      expect(await updateEntry(ctx, { authorId: referent.id, entryId: sharedId, body: 'Corrigé' })).toMatchObject({ ok: false, status: 404 });
      expect(await unshareEntry(ctx, { authorId: referent.id, entryId: sharedId })).toMatchObject({ ok: false, status: 404 });
      expect(await deleteEntry(ctx, { authorId: referent.id, entryId: sharedId })).toMatchObject({ ok: false, status: 404 });
      expect(await entryRow(sharedId)).toEqual(before);
    }
    for (const [label, viewer] of Object.entries(outsiders)) await expectLockedOut(viewer, `${label}, after sharing`);
  });

  it('the personal-data download holds the whole journal for its author only', async () => {
    const own = JSON.stringify(await exportPersonalData(db, author.id));
    expect(own).toContain(marker);
    expect(own).toContain(sharedMarker);
    const data = await exportPersonalData(db, author.id);
    expect(data.journal.map((e) => e.stage).sort()).toEqual([1, 2, 2, 2]);
    for (const [label, person] of Object.entries({ ...outsiders, 'the professional referent': professionalReferent, 'the peer referent': peerReferent })) {
      const text = JSON.stringify(await exportPersonalData(db, person.id));
      expect(text, label).not.toContain(marker);
      expect(text, label).not.toContain(sharedMarker);
    }
  });

  it('the text lives in the journal alone: no other table (audit log, outbox, anything) holds a copy', async () => {
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'journal_entry'`.execute(db);
    expect(tables.rows.length).toBeGreaterThan(20);
    for (const { table_name } of tables.rows) {
      const found = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table_name)} t WHERE to_jsonb(t)::text LIKE ${'%MARQUEUR-%'}`.execute(db);
      expect(Number(found.rows[0]!.n), table_name).toBe(0);
    }
  });

  it('follows the referents: a replaced referent no longer reads, the new one does; a trainee who leaves the pathway shares nothing more', async () => {
    const newcomer = await addPerson(db, { givenName: 'Rose', familyName: 'Lambert', roles: ['professional'] });
    await inPathway(author, 2, { professional: newcomer, peer: peerReferent });
    expect((await sharedEntriesFor(db, professionalReferent.id)).entries).toEqual([]);
    expect(await sharedEntry(db, sharedId, professionalReferent.id)).toBeUndefined();
    expect((await sharedEntriesFor(db, newcomer.id)).entries.map((e) => e.id)).toEqual([sharedId]);
    expect(await sharedEntry(db, sharedId, newcomer.id)).toMatchObject({ id: sharedId });

    await db.deleteFrom('person_role').where('person_id', '=', author.id).where('role', '=', 'trainee').execute();
    expect((await sharedEntriesFor(db, newcomer.id)).entries).toEqual([]);
    expect(await sharedEntry(db, sharedId, newcomer.id)).toBeUndefined();
    // The notes are still theirs to read, change and delete; only writing new ones waits for the pathway.
    expect(await journalOf(db, author.id, author.id)).toMatchObject({ isTrainee: false, total: 4 });
    expect(await writeEntry(testContext(db), { authorId: author.id, body: 'Encore une.' })).toMatchObject({ ok: false, status: 403 });
    await db.insertInto('person_role').values({ person_id: author.id, role: 'trainee' }).execute();
    await inPathway(author, 2, { professional: professionalReferent, peer: peerReferent });
  });
});

describe('bounds and erasure', () => {
  it('shows a referent the most recent shared notes first, within a bound', async () => {
    const trainee = await addPerson(db, { givenName: 'Hugo', familyName: 'Petit', roles: ['trainee'] });
    const referent = await addPerson(db, { givenName: 'Anne', familyName: 'Blanc', roles: ['professional'] });
    await inPathway(trainee, 1, { professional: referent });
    const start = new Date('2026-01-01T10:00:00Z').getTime();
    await db
      .insertInto('journal_entry')
      .values(
        Array.from({ length: SHARED_ENTRIES_LIMIT + 5 }, (_, i) => ({
          author_id: trainee.id,
          stage: 1,
          body: `Note ${i}`,
          written_at: new Date(start + i * 1000),
          updated_at: new Date(start + i * 1000),
          shared_at: new Date(start + i * 1000),
        })),
      )
      .execute();
    const { entries, more } = await sharedEntriesFor(db, referent.id);
    expect(entries).toHaveLength(SHARED_ENTRIES_LIMIT);
    expect(more).toBe(true);
    expect(entries[0]!.body).toBe(`Note ${SHARED_ENTRIES_LIMIT + 4}`);
  });

  it('erasing the account deletes the whole journal, shared notes included', async () => {
    const ctx = testContext(db);
    const trainee = await addPerson(db, { givenName: 'Léa', familyName: 'Garnier', roles: ['trainee'] });
    const referent = await addPerson(db, { givenName: 'Yann', familyName: 'Perrin', roles: ['professional'] });
    await inPathway(trainee, 3, { professional: referent });
    const kept = await writeEntry(ctx, { authorId: trainee.id, body: 'Une note privée.' });
    const shared = await writeEntry(ctx, { authorId: trainee.id, stage: 2, body: 'Une note partagée.' });
    if (!kept.ok || !shared.ok) throw new Error('the notes were not written');
    await shareEntry(ctx, { authorId: trainee.id, entryId: shared.id });
    expect((await sharedEntriesFor(db, referent.id)).entries).toHaveLength(1);

    expect(await eraseAccount(ctx, { personId: trainee.id, password: trainee.password })).toEqual({ ok: true });
    expect(await db.selectFrom('journal_entry').select('id').where('author_id', '=', trainee.id).execute()).toEqual([]);
    expect((await sharedEntriesFor(db, referent.id)).entries).toEqual([]);
    expect((await exportPersonalData(db, trainee.id)).journal).toEqual([]);
  });
});
