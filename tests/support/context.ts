import type { AppContext } from '../../src/lib/context.ts';
import type { Database } from '../../src/lib/db/index.ts';
import { createMailer } from '../../src/lib/mail/outbox.ts';

export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

/** The domain's context for tests: the real outbox (no SMTP), and a clock the test can move. */
export function testContext(db: Database, start = new Date('2026-11-23T09:00:00Z')): AppContext & { clock: TestClock } {
  let current = start.getTime();
  const clock: TestClock = {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };
  return {
    db,
    mail: createMailer(db, { from: 'ESPER Parcours <test@esper-parcours.local>' }),
    publicUrl: 'http://parcours.test',
    sessionDays: 30,
    now: clock.now,
    clock,
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
