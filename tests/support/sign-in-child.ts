/**
 * A process that signs people in, several at once, as a burst of requests would: each attempt is
 * the login domain function (rate limits, password check, session), reported on stdout as
 * "start <i>" then "done <i> <status> [<token>]", for the test that kills it mid-burst.
 * Argument: JSON { target, attempts: [{ email, password, ip }], concurrency, now }.
 */
import { openDatabase, type DatabaseTarget } from '../../src/lib/db/index.ts';
import { createMailer } from '../../src/lib/mail/outbox.ts';
import { logIn } from '../../src/lib/accounts/login.ts';

const input = JSON.parse(process.argv[2]!) as {
  target: DatabaseTarget;
  attempts: Array<{ email: string; password: string; ip: string }>;
  concurrency: number;
  now: string;
};
const db = openDatabase(input.target);
const now = new Date(input.now);
const ctx = { db, mail: createMailer(db, { from: 'ESPER Parcours <test@esper-parcours.local>' }), publicUrl: 'http://parcours.test', sessionDays: 30, now: () => now };

let next = 0;
async function worker(): Promise<void> {
  while (next < input.attempts.length) {
    const i = next++;
    const attempt = input.attempts[i]!;
    process.stdout.write(`start ${i}\n`);
    const outcome = await logIn(ctx, { email: attempt.email, password: attempt.password }, { ip: attempt.ip, userAgent: 'rafale' });
    process.stdout.write(outcome.ok ? `done ${i} 200 ${outcome.token}\n` : `done ${i} ${outcome.status}\n`);
  }
}
await Promise.all(Array.from({ length: input.concurrency }, () => worker()));
process.stdout.write('finished\n');
await db.destroy();
