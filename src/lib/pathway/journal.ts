import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { Outcome } from '../accounts/registration.ts';
import { recordAudit } from '../audit/index.ts';
import { isUuid } from '../ids.ts';
import { isStage, pathwayMember, PATHWAY_COMPLETE, STAGES, type StageNumber } from './members.ts';
import { isReferentOf, referentsOf, type ReferentKind } from './referents.ts';

/**
 * The reflective journal (« carnet de bord »): a trainee's free text, one entry at a time, filed
 * under a stage of the pathway. It is readable by its author alone. The rule lives in the
 * queries themselves (every one filters on the author, or on the referents of the author for a
 * shared entry), not in the pages, and no role bypasses it: a coordinator or an admin reads
 * their own journal, never someone else's. An entry the author explicitly shares is readable
 * by their referents too, and by no one else. Anyone else asking about an entry is told it does
 * not exist, so its existence stays private as well.
 */

export const JOURNAL_BODY_MAX = 20_000;
/** A journal is read whole by its author: this bound keeps that page (and the query) finite. */
export const JOURNAL_MAX_ENTRIES = 1_000;
/** The shared entries a referent sees at once, newest first. */
export const SHARED_ENTRIES_LIMIT = 100;

const NOT_FOUND = 'Cette note n’existe pas, ou plus.';

export interface JournalEntry {
  id: string;
  stage: StageNumber;
  body: string;
  writtenAt: Date;
  updatedAt: Date;
  /** When the author shared it with their referents; null while it is private. */
  sharedAt: Date | null;
}

export interface Journal {
  /** Whether the author is a trainee of the pathway now (only they may write new entries). */
  isTrainee: boolean;
  /** The stages they may write about: 1 to their current stage (none when not a trainee). */
  writableStages: StageNumber[];
  /** The stage a new entry goes to unless they choose another. */
  currentStage: StageNumber | null;
  /** Their referents by name, so that sharing says exactly who will read. */
  referents: Array<{ id: string; name: string; kind: ReferentKind }>;
  /** Every stage that has entries or that they may write about, in order; entries newest first. */
  stages: Array<{ stage: StageNumber; entries: JournalEntry[] }>;
  total: number;
}

export interface SharedEntry {
  id: string;
  authorId: string;
  authorName: string;
  stage: StageNumber;
  body: string;
  writtenAt: Date;
  updatedAt: Date;
  sharedAt: Date;
}

/** The stage a trainee on `stage` may write about at most (the pathway complete: the seventh). */
const lastWritableStage = (stage: number): StageNumber => (isStage(stage) ? stage : stage >= PATHWAY_COMPLETE ? 7 : 1);

/** Trims, unifies line breaks (a form sends CRLF) and checks the length as PostgreSQL counts it. */
function checkBody(raw: string): { ok: true; body: string } | { ok: false; status: 400; message: string } {
  const body = raw.replace(/\r\n?/g, '\n').trim();
  if (body.length === 0) return { ok: false, status: 400, message: 'Votre note : écrivez au moins un mot.' };
  if ([...body].length > JOURNAL_BODY_MAX)
    return { ok: false, status: 400, message: `Votre note : ${JOURNAL_BODY_MAX.toLocaleString('fr-FR')} caractères au plus. Vous pouvez la continuer dans une autre note.` };
  return { ok: true, body };
}

function checkStage(stage: number | undefined, current: StageNumber): { ok: true; stage: StageNumber } | { ok: false; status: 400; message: string } {
  if (stage === undefined) return { ok: true, stage: current };
  if (!isStage(stage) || stage > current)
    return { ok: false, status: 400, message: `Étape : choisissez une étape de 1 à ${current}, celles que vous avez déjà abordées.` };
  return { ok: true, stage };
}

/** A new entry by a trainee of the pathway, about their current stage or an earlier one. */
export async function writeEntry(ctx: AppContext, input: { authorId: string; stage?: number | undefined; body: string }): Promise<Outcome<{ id: string }>> {
  const member = await pathwayMember(ctx.db, input.authorId);
  if (!member)
    return { ok: false, status: 403, message: 'Le carnet de bord accompagne les stagiaires du parcours : il s’ouvre avec votre entrée dans le parcours.' };
  const current = lastWritableStage(member.stage);
  const stage = checkStage(input.stage, current);
  if (!stage.ok) return stage;
  const body = checkBody(input.body);
  if (!body.ok) return body;
  const count = await ctx.db
    .selectFrom('journal_entry')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('author_id', '=', member.personId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= JOURNAL_MAX_ENTRIES)
    return { ok: false, status: 409, message: `Votre carnet compte déjà ${JOURNAL_MAX_ENTRIES.toLocaleString('fr-FR')} notes : pour en écrire une nouvelle, regroupez ou supprimez-en d’anciennes.` };
  const now = ctx.now();
  const row = await ctx.db
    .insertInto('journal_entry')
    .values({ author_id: member.personId, stage: stage.stage, body: body.body, written_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ok: true, id: row.id };
}

/**
 * Changes an entry's text (and, if given, its stage). Only the author's own entry matches the
 * query; for anyone else nothing changes and the answer is the same as for an unknown entry.
 * A shared entry stays shared: its referents read the new text.
 */
export async function updateEntry(ctx: AppContext, input: { authorId: string; entryId: string; body: string; stage?: number | undefined }): Promise<Outcome> {
  if (!isUuid(input.entryId) || !isUuid(input.authorId)) return { ok: false, status: 404, message: NOT_FOUND };
  const entry = await ctx.db.selectFrom('journal_entry').select(['id', 'stage']).where('id', '=', input.entryId).where('author_id', '=', input.authorId).executeTakeFirst();
  if (!entry) return { ok: false, status: 404, message: NOT_FOUND };
  const body = checkBody(input.body);
  if (!body.ok) return body;
  let stage = entry.stage;
  if (input.stage !== undefined && input.stage !== entry.stage) {
    // Moving an entry follows the rule of writing: a stage already reached.
    const member = await pathwayMember(ctx.db, input.authorId);
    const checked = checkStage(input.stage, lastWritableStage(member?.stage ?? 1));
    if (!checked.ok) return checked;
    stage = checked.stage;
  }
  const updated = await ctx.db
    .updateTable('journal_entry')
    .set({ body: body.body, stage, updated_at: ctx.now() })
    .where('id', '=', entry.id)
    .where('author_id', '=', input.authorId)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n ? { ok: true } : { ok: false, status: 404, message: NOT_FOUND };
}

/** Deletes an entry for good (personal notes, not records: nothing is kept). */
export async function deleteEntry(ctx: AppContext, input: { authorId: string; entryId: string }): Promise<Outcome> {
  if (!isUuid(input.entryId) || !isUuid(input.authorId)) return { ok: false, status: 404, message: NOT_FOUND };
  const deleted = await ctx.db.deleteFrom('journal_entry').where('id', '=', input.entryId).where('author_id', '=', input.authorId).executeTakeFirst();
  return deleted.numDeletedRows > 0n ? { ok: true } : { ok: false, status: 404, message: NOT_FOUND };
}

/**
 * Shares one entry with the author's referents, or takes it back. Sharing is per entry and
 * always the author's own act; the audit log records that it happened (never the text).
 */
async function setShared(ctx: AppContext, input: { authorId: string; entryId: string }, shared: boolean): Promise<Outcome> {
  if (!isUuid(input.entryId) || !isUuid(input.authorId)) return { ok: false, status: 404, message: NOT_FOUND };
  return ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
    const entry = await trx
      .selectFrom('journal_entry')
      .select(['id', 'stage', 'shared_at'])
      .where('id', '=', input.entryId)
      .where('author_id', '=', input.authorId)
      .forUpdate()
      .executeTakeFirst();
    if (!entry) return { ok: false, status: 404, message: NOT_FOUND };
    // Pressing twice (a second tab, a resent form) is not an error and writes nothing more.
    if ((entry.shared_at !== null) === shared) return { ok: true };
    await trx
      .updateTable('journal_entry')
      .set({ shared_at: shared ? ctx.now() : null })
      .where('id', '=', entry.id)
      .execute();
    await recordAudit(trx, {
      actorId: input.authorId,
      action: shared ? 'journal.shared' : 'journal.unshared',
      subjectPersonId: input.authorId,
      details: { entryId: entry.id, stage: entry.stage },
    });
    return { ok: true };
  });
}

export const shareEntry = (ctx: AppContext, input: { authorId: string; entryId: string }): Promise<Outcome> => setShared(ctx, input, true);
export const unshareEntry = (ctx: AppContext, input: { authorId: string; entryId: string }): Promise<Outcome> => setShared(ctx, input, false);

const toEntry = (row: { id: string; stage: number; body: string; written_at: Date; updated_at: Date; shared_at: Date | null }): JournalEntry => ({
  id: row.id,
  stage: row.stage as StageNumber,
  body: row.body,
  writtenAt: row.written_at,
  updatedAt: row.updated_at,
  sharedAt: row.shared_at,
});

/**
 * The author's journal, by stage. Undefined unless the viewer is the author: whatever the
 * viewer's roles, nobody reads another person's journal through this function.
 */
export async function journalOf(db: Database, authorId: string, viewerId: string): Promise<Journal | undefined> {
  if (!isUuid(authorId) || viewerId !== authorId) return undefined;
  const [member, rows] = await Promise.all([
    pathwayMember(db, authorId),
    db
      .selectFrom('journal_entry')
      .select(['id', 'stage', 'body', 'written_at', 'updated_at', 'shared_at'])
      .where('author_id', '=', authorId)
      .orderBy('stage')
      .orderBy('written_at', 'desc')
      .orderBy('id')
      .limit(JOURNAL_MAX_ENTRIES)
      .execute(),
  ]);
  const current = member ? lastWritableStage(member.stage) : null;
  const writableStages = current ? STAGES.filter((s) => s <= current) : [];
  const chosen = member ? await referentsOf(db, authorId) : { professional: null, peer: null };
  const referents = (['professional', 'peer'] as const).flatMap((kind) => {
    const r = chosen[kind];
    return r ? [{ id: r.id, name: `${r.givenName} ${r.familyName}`, kind }] : [];
  });
  const entries = rows.map(toEntry);
  const stages = STAGES.filter((s) => writableStages.includes(s) || entries.some((e) => e.stage === s)).map((stage) => ({
    stage,
    entries: entries.filter((e) => e.stage === stage),
  }));
  return { isTrainee: !!member, writableStages, currentStage: current, referents, stages, total: entries.length };
}

/**
 * The entries shared with a referent by the trainees they accompany, newest shares first, in
 * one query: the referent columns of pathway_member are the relation (see isReferentOf).
 * `more` says that older shared entries exist beyond the limit.
 */
export async function sharedEntriesFor(db: Database, referentId: string): Promise<{ entries: SharedEntry[]; more: boolean }> {
  if (!isUuid(referentId)) return { entries: [], more: false };
  const rows = await db
    .selectFrom('journal_entry as j')
    .innerJoin('pathway_member as m', 'm.person_id', 'j.author_id')
    .innerJoin('person as p', 'p.id', 'j.author_id')
    // The same relation as isReferentOf: the author still a trainee of the pathway, not erased.
    .innerJoin('person_role as r', (j) => j.onRef('r.person_id', '=', 'j.author_id').on('r.role', '=', 'trainee'))
    .select(['j.id', 'j.author_id', 'p.given_name', 'p.family_name', 'j.stage', 'j.body', 'j.written_at', 'j.updated_at', 'j.shared_at'])
    .where('j.shared_at', 'is not', null)
    .where('p.erased_at', 'is', null)
    .where((eb) => eb.or([eb('m.professional_referent_id', '=', referentId), eb('m.peer_referent_id', '=', referentId)]))
    .orderBy('j.shared_at', 'desc')
    .orderBy('j.id')
    .limit(SHARED_ENTRIES_LIMIT + 1)
    .execute();
  return {
    entries: rows.slice(0, SHARED_ENTRIES_LIMIT).map(sharedEntryOf),
    more: rows.length > SHARED_ENTRIES_LIMIT,
  };
}

/** One shared entry, for a referent of its author; undefined for anyone else (and for a private entry). */
export async function sharedEntry(db: Database, entryId: string, viewerId: string): Promise<SharedEntry | undefined> {
  if (!isUuid(entryId) || !isUuid(viewerId)) return undefined;
  const row = await db
    .selectFrom('journal_entry as j')
    .innerJoin('person as p', 'p.id', 'j.author_id')
    .select(['j.id', 'j.author_id', 'p.given_name', 'p.family_name', 'j.stage', 'j.body', 'j.written_at', 'j.updated_at', 'j.shared_at'])
    .where('j.id', '=', entryId)
    .where('j.shared_at', 'is not', null)
    .where('p.erased_at', 'is', null)
    .executeTakeFirst();
  if (!row || !(await isReferentOf(db, viewerId, row.author_id))) return undefined;
  return sharedEntryOf(row);
}

/** A shared entry as a referent reads it, from its row joined with its author's name. */
function sharedEntryOf(row: {
  id: string;
  author_id: string;
  given_name: string;
  family_name: string;
  stage: number;
  body: string;
  written_at: Date;
  updated_at: Date;
  shared_at: Date | null;
}): SharedEntry {
  return {
    id: row.id,
    authorId: row.author_id,
    authorName: `${row.given_name} ${row.family_name}`,
    stage: row.stage as StageNumber,
    body: row.body,
    writtenAt: row.written_at,
    updatedAt: row.updated_at,
    sharedAt: row.shared_at!,
  };
}

/** The author's entries for their own data download: all of them, whole. Nobody else's export calls this for them. */
export async function journalPersonalData(db: Database, personId: string) {
  const rows = await db
    .selectFrom('journal_entry')
    .select(['id', 'stage', 'body', 'written_at', 'updated_at', 'shared_at'])
    .where('author_id', '=', personId)
    .orderBy('written_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ stage: r.stage, text: r.body, writtenAt: r.written_at, updatedAt: r.updated_at, sharedWithReferentsAt: r.shared_at }));
}
