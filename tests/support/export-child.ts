/**
 * A process that runs one export, as the server does in the background, and reports each recorded
 * step on stdout ("progress <done> <total>"), for the test that kills it mid-run.
 * Argument: JSON { target, actorId, actorRoles, kind, params, chunk, now }.
 */
import { openDatabase, type DatabaseTarget } from '../../src/lib/db/index.ts';
import { createMailer } from '../../src/lib/mail/outbox.ts';
import { startExport } from '../../src/lib/reporting/exports/jobs.ts';

const input = JSON.parse(process.argv[2]!) as {
  target: DatabaseTarget;
  actorId: string;
  actorRoles: string[];
  kind: string;
  params: Record<string, string>;
  chunk: number;
  now: string;
};
const db = openDatabase(input.target);
const now = new Date(input.now);
const ctx = { db, mail: createMailer(db, { from: 'ESPER Parcours <test@esper-parcours.local>' }), publicUrl: 'http://parcours.test', sessionDays: 30, now: () => now };
const started = await startExport(ctx, { actorId: input.actorId, actorRoles: input.actorRoles, kind: input.kind, params: input.params, chunk: input.chunk });
if (!started.ok) throw new Error(started.message);
process.stdout.write(`started ${started.exportId}\n`);

// The job's row is what every instance reads: report each step it records, as the page's bar would.
let finished = false;
void started.completion.then(() => (finished = true));
let seen = -1;
while (!finished) {
  const row = await db.selectFrom('export_job').select(['done', 'total']).where('id', '=', started.exportId).executeTakeFirstOrThrow();
  if (row.done !== seen && row.done > 0) process.stdout.write(`progress ${row.done} ${row.total}\n`);
  seen = row.done;
  await new Promise((resolve) => setTimeout(resolve, 2));
}
process.stdout.write('finished\n');
await db.destroy();
