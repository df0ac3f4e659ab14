/**
 * A process that runs a bulk issue and reports each chunk on stdout ("progress <done>"), for the
 * test that kills it mid-run. Argument: JSON { target, sessionId, actorId, actorRoles }.
 */
import { openDatabase, type DatabaseTarget } from '../../src/lib/db/index.ts';
import { issueForSession } from '../../src/lib/attestations/issue.ts';
import { createMailer } from '../../src/lib/mail/outbox.ts';

const input = JSON.parse(process.argv[2]!) as { target: DatabaseTarget; sessionId: string; actorId: string; actorRoles: string[]; now: string };
const db = openDatabase(input.target);
const now = new Date(input.now);
const outcome = await issueForSession(
  { db, mail: createMailer(db, { from: 'ESPER Parcours <test@esper-parcours.local>' }), publicUrl: 'http://parcours.test', sessionDays: 30, now: () => now },
  { ...input, kind: 'completion_certificate', onProgress: (p) => void process.stdout.write(`progress ${p.done}\n`) },
);
process.stdout.write(`finished ${JSON.stringify(outcome)}\n`);
await db.destroy();
