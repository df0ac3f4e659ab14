import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOnDisk } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { addPerson, buildWorld, type World } from '../support/world.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { BULK_CHUNK, issueForSession, sha256Hex } from '../../src/lib/attestations/issue.ts';

/**
 * The issue asks for it: a crash in the middle of a bulk issue leaves no half-issued attestation
 * and no gap in the numbers. A real process runs the bulk issue; it is killed (SIGKILL, no chance
 * to clean up) while it renders its second chunk; the database is then opened again.
 */
const PARTICIPANTS = 3 * BULK_CHUNK;

let disk: Awaited<ReturnType<typeof databaseOnDisk>>;
let world: World;
let sessionId: string;
let now: Date;
beforeAll(async () => {
  disk = await databaseOnDisk();
  world = await buildWorld(disk.db);
  const ctx = testContext(disk.db);
  const training = await addTraining(ctx, world.coordinator);
  const people = [];
  for (let i = 0; i < PARTICIPANTS; i++) people.push(await addPerson(disk.db, { givenName: `Interrompu${i}`, familyName: 'Durand', roles: ['professional'] }));
  sessionId = await finishedSession(ctx, { coordinator: world.coordinator, trainer: world.trainer, training, participants: people.map((person) => ({ person, presence: [true, true, true, true] })) });
  now = ctx.now();
}, 120_000);
afterAll(() => disk.drop());

/** Runs the bulk issue in another process and kills it as soon as its first chunk is reported. */
async function bulkIssueKilledAfterFirstChunk(): Promise<{ reported: number; finished: boolean }> {
  const child = spawn(
    process.execPath,
    [
      'tests/support/bulk-issue-child.ts',
      JSON.stringify({ target: disk.target, sessionId, actorId: world.coordinator.id, actorRoles: world.coordinator.roles, now: now.toISOString() }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let reported = 0;
  let finished = false;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('finished')) finished = true;
    if (line.startsWith('progress ')) {
      reported = Number(line.slice('progress '.length));
      child.kill('SIGKILL');
      break;
    }
  }
  await exited;
  return { reported, finished };
}

describe('a bulk issue killed mid-run', () => {
  it('leaves whole chunks, gap-free numbers and true hashes; running it again issues the rest', async () => {
    await disk.release();
    const run = await bulkIssueKilledAfterFirstChunk();
    expect(run).toEqual({ reported: BULK_CHUNK, finished: false });
    const db = disk.reopen();

    const issued = await db.selectFrom('attestation').select(['number', 'pdf', 'pdf_sha256', 'person_id']).where('session_id', '=', sessionId).orderBy('number').execute();
    // The first chunk was committed; the one under way when the process died left nothing.
    expect(issued.length).toBeGreaterThanOrEqual(BULK_CHUNK);
    expect(issued.length).toBeLessThan(PARTICIPANTS);
    expect(issued.length % BULK_CHUNK).toBe(0);
    const year = now.getUTCFullYear();
    expect(issued.map((a) => a.number)).toEqual(issued.map((_, i) => `EP-${year}-${String(i + 1).padStart(6, '0')}`));
    const counter = await db.selectFrom('attestation_counter').select('last_number').where('year', '=', year).executeTakeFirstOrThrow();
    expect(counter.last_number).toBe(issued.length);
    for (const a of issued) expect(sha256Hex(a.pdf)).toBe(a.pdf_sha256);
    const audited = await db.selectFrom('audit_event').select((eb) => eb.fn.countAll<string>().as('n')).where('action', '=', 'attestation.issued').executeTakeFirstOrThrow();
    expect(Number(audited.n)).toBe(issued.length);

    const ctx = testContext(db, now);
    const again = await issueForSession(ctx, { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, sessionId, kind: 'completion_certificate' });
    expect(again).toEqual({ ok: true, issued: PARTICIPANTS - issued.length, alreadyHeld: issued.length, notEligible: 0 });
    const all = await db.selectFrom('attestation').select(['number', 'person_id']).where('session_id', '=', sessionId).orderBy('number').execute();
    expect(all.map((a) => a.number)).toEqual(all.map((_, i) => `EP-${year}-${String(i + 1).padStart(6, '0')}`));
    expect(new Set(all.map((a) => a.person_id)).size).toBe(PARTICIPANTS);
  }, 120_000);
});
