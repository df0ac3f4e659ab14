import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import { ATTESTATION_KINDS, type AttestationKind } from '../db/schema.ts';
import { stageCounts } from '../pathway/board.ts';
import { PATHWAY_COMPLETE } from '../pathway/members.ts';
import { parisDay, parisInstant } from '../time.ts';
import { satisfactionSummary, type SatisfactionSummary } from '../surveys/results.ts';

/**
 * The coordination's dashboard: the figures of the last twelve months at a glance. Six
 * aggregate queries, and the satisfaction surveys' summary (at most four more), run together, each bounded by the period (or, for the sessions to come,
 * by the future) so that indexes serve them; nothing is computed row by row. The cost does not
 * grow with the history (tested with a query counter), and the page reads the figures through
 * a short cache (`dashboardFigures`), since every coordinator sees the same ones.
 */

export interface DashboardMonth {
  /** « 2026-03 » */
  key: string;
  /** Midnight on the 1st, in Paris. */
  start: Date;
  /** « mars » : short enough to sit under a column on a phone. */
  short: string;
  /** « mars 2026 » */
  long: string;
}

export interface DashboardPeriod {
  /** The start of the first of the twelve months (Paris). */
  from: Date;
  /** The moment the figures were computed. */
  to: Date;
  /** The same bounds as Paris days, for the links to the lists. */
  fromDay: string;
  toDay: string;
  months: DashboardMonth[];
}

export interface MonthFigures {
  month: DashboardMonth;
  /** Closed (countersigned) half-days, and their hours: the training delivered. */
  halfDays: number;
  hoursDelivered: number;
  /** Participants expected in those half-days (one current record each), and those present or late. */
  expected: number;
  present: number;
  /** present / expected; null when nothing was expected. */
  attendanceRate: number | null;
  /** Validated mission time done in the month. */
  missionMinutes: number;
}

export interface UpcomingSessionFigures {
  id: string;
  trainingTitle: string;
  place: string;
  startsAt: Date;
  capacity: number;
  enrolled: number;
  waitlisted: number;
  /** enrolled / capacity, between 0 and 1. */
  fillRate: number;
}

export interface DashboardData {
  asOf: Date;
  period: DashboardPeriod;
  /** Trainees per stage, 1 to 7 then PATHWAY_COMPLETE, every stage present (0 when empty). */
  stages: { stage: number; count: number }[];
  trainees: number;
  upcoming: {
    /** The soonest sessions, up to UPCOMING_SHOWN. */
    sessions: UpcomingSessionFigures[];
    total: number;
    capacity: number;
    enrolled: number;
    waitlisted: number;
    fillRate: number | null;
  };
  months: MonthFigures[];
  totals: { halfDays: number; hoursDelivered: number; expected: number; present: number; attendanceRate: number | null; missionMinutes: number; missions: number };
  /** Documents issued in the period, by kind (every kind present), revoked or replaced since included. */
  attestations: { kind: AttestationKind; count: number }[];
  /** Modules started and completed in the period, most started first. */
  modules: { moduleId: string; started: number; completed: number }[];
  /** The surveys of the sessions that ended in the period: response rates and averages, never a comment. */
  satisfaction: SatisfactionSummary;
}

export const UPCOMING_SHOWN = 8;
const MONTHS = 12;
const SHORT_MONTHS = ['janv', 'févr', 'mars', 'avr', 'mai', 'juin', 'juil', 'août', 'sept', 'oct', 'nov', 'déc'];
const LONG_MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

/** The current month (in Paris) and the eleven before it. */
export function lastTwelveMonths(now: Date): DashboardPeriod {
  const [year, month] = parisDay(now).split('-').map(Number) as [number, number];
  const months: DashboardMonth[] = [];
  for (let back = MONTHS - 1; back >= 0; back--) {
    const index = year * 12 + (month - 1) - back;
    const y = Math.floor(index / 12);
    const m = index % 12;
    const key = `${y}-${String(m + 1).padStart(2, '0')}`;
    // Midnight always exists in Paris (the clocks change at 2 or 3 in the morning).
    months.push({ key, start: parisInstant(`${key}-01`, '00:00')!, short: SHORT_MONTHS[m]!, long: `${LONG_MONTHS[m]} ${y}` });
  }
  return { from: months[0]!.start, to: now, fromDay: `${months[0]!.key}-01`, toDay: parisDay(now), months };
}

/** A PostgreSQL array literal, for width_bucket's thresholds (the same text on both drivers). */
const arrayLiteral = (values: string[]) => `{${values.map((v) => `"${v}"`).join(',')}}`;

/** Computes every figure now, straight from the database. */
export async function computeDashboard(db: Database, now: Date): Promise<DashboardData> {
  const period = lastTwelveMonths(now);
  const { from, to } = period;
  // Month n (1 to 12) of a date is its bucket among the months' starts, cut in Paris time.
  const instantBounds = arrayLiteral(period.months.map((m) => m.start.toISOString()));
  const dayBounds = arrayLiteral(period.months.map((m) => `${m.key}-01`));

  const [stages, upcoming, delivered, missions, attestations, modules, satisfaction] = await Promise.all([
    stageCounts(db),

    // Sessions whose first half-day is still to come (as in the catalogue), with the totals of all of them.
    db
      .with('first_slot', (q) =>
        q
          .selectFrom('session_slot as sl')
          .select(['sl.session_id', (eb) => eb.fn.min('sl.starts_at').as('first')])
          .where('sl.starts_at', '>', now)
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom('session_slot as began').select('began.id').whereRef('began.session_id', '=', 'sl.session_id').where('began.starts_at', '<=', now))),
          )
          .groupBy('sl.session_id'),
      )
      .with('upcoming', (q) =>
        q
          .selectFrom('first_slot as f')
          .innerJoin('training_session as s', 's.id', 'f.session_id')
          .innerJoin('training as t', 't.id', 's.training_id')
          .select(['s.id', 's.place', 's.capacity', 't.title', 'f.first'])
          .select((eb) => [
            eb.selectFrom('enrolment as e').select(sql<number>`count(*)`.as('n')).whereRef('e.session_id', '=', 's.id').where('e.status', '=', 'enrolled').as('enrolled'),
            eb.selectFrom('enrolment as e').select(sql<number>`count(*)`.as('n')).whereRef('e.session_id', '=', 's.id').where('e.status', '=', 'waitlisted').as('waitlisted'),
          ])
          .where('s.cancelled_at', 'is', null),
      )
      .selectFrom('upcoming')
      .selectAll()
      .select([
        sql<number>`count(*) over ()`.as('total'),
        sql<number>`sum(capacity) over ()`.as('total_capacity'),
        sql<number>`sum(enrolled) over ()`.as('total_enrolled'),
        sql<number>`sum(waitlisted) over ()`.as('total_waitlisted'),
      ])
      .orderBy('first')
      .orderBy('id')
      .limit(UPCOMING_SHOWN)
      .execute(),

    // Half-days that took place (closed: countersigned), their hours, and the current record of
    // each participant: each half-day's records read through attendance_record_current_idx
    // (migration 0015), whose order puts a person's latest first and which holds the status, so
    // only the index entries of the period's half-days are read, without sorting them.
    db
      .with('slots', (q) =>
        q
          .selectFrom('session_slot as sl')
          .innerJoin('training_session as s', 's.id', 'sl.session_id')
          .select([
            'sl.id',
            sql<number>`width_bucket(sl.starts_at, ${instantBounds}::timestamptz[])`.as('bucket'),
            sql<number>`extract(epoch from sl.ends_at - sl.starts_at) / 3600`.as('hours'),
          ])
          .where('sl.closed_at', 'is not', null)
          .where('s.cancelled_at', 'is', null)
          .where('sl.starts_at', '>=', from)
          .where('sl.starts_at', '<=', to),
      )
      .selectFrom('slots')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom((inner) =>
              inner
                .selectFrom('attendance_record as r')
                .distinctOn('r.person_id')
                .select('r.status')
                .where('r.slot_id', '=', sql<string>`slots.id`)
                .orderBy('r.person_id')
                .orderBy('r.id', 'desc')
                .as('latest'),
            )
            .select([sql<number>`count(*)`.as('expected'), sql<number>`count(*) filter (where latest.status in ('present', 'late'))`.as('present')])
            .as('per_slot'),
        (join) => join.onTrue(),
      )
      .select([
        'slots.bucket',
        sql<number>`count(*)`.as('half_days'),
        sql<number>`sum(slots.hours)`.as('hours'),
        sql<number>`coalesce(sum(per_slot.expected), 0)`.as('expected'),
        sql<number>`coalesce(sum(per_slot.present), 0)`.as('present'),
      ])
      .groupBy('slots.bucket')
      .execute(),

    db
      .selectFrom('volunteer_mission')
      .select([sql<number>`width_bucket(done_on, ${dayBounds}::date[])`.as('bucket'), sql<number>`sum(minutes)`.as('minutes'), sql<number>`count(*)`.as('n')])
      .where('status', '=', 'validated')
      .where('done_on', '>=', period.fromDay)
      .where('done_on', '<=', period.toDay)
      .groupBy(sql`1`)
      .execute(),

    db
      .selectFrom('attestation')
      .select(['kind', sql<number>`count(*)`.as('n')])
      .where('issued_at', '>=', from)
      .where('issued_at', '<=', to)
      .groupBy('kind')
      .execute(),

    db
      .selectFrom('module_progress')
      .select([
        'module_id',
        sql<number>`count(*) filter (where started_at >= ${from} and started_at <= ${to})`.as('started'),
        sql<number>`count(*) filter (where completed_at >= ${from} and completed_at <= ${to})`.as('completed'),
      ])
      .where((eb) => eb.or([eb.and([eb('started_at', '>=', from), eb('started_at', '<=', to)]), eb.and([eb('completed_at', '>=', from), eb('completed_at', '<=', to)])]))
      .groupBy('module_id')
      .execute(),

    satisfactionSummary(db, { from, to, now }),
  ]);

  const byBucket = new Map(delivered.map((d) => [Number(d.bucket), d]));
  const minutesByBucket = new Map(missions.map((m) => [Number(m.bucket), Number(m.minutes)]));
  const months: MonthFigures[] = period.months.map((month, i) => {
    const d = byBucket.get(i + 1);
    const expected = Number(d?.expected ?? 0);
    const present = Number(d?.present ?? 0);
    return {
      month,
      halfDays: Number(d?.half_days ?? 0),
      hoursDelivered: Number(d?.hours ?? 0),
      expected,
      present,
      attendanceRate: expected > 0 ? present / expected : null,
      missionMinutes: minutesByBucket.get(i + 1) ?? 0,
    };
  });
  const sum = (pick: (m: MonthFigures) => number) => months.reduce((total, m) => total + pick(m), 0);
  const expected = sum((m) => m.expected);
  const present = sum((m) => m.present);

  const first = upcoming[0];
  const upcomingCapacity = Number(first?.total_capacity ?? 0);
  const upcomingEnrolled = Number(first?.total_enrolled ?? 0);
  const attestationCounts = new Map(attestations.map((a) => [a.kind, Number(a.n)]));
  const stageRows = [1, 2, 3, 4, 5, 6, 7, PATHWAY_COMPLETE].map((stage) => ({ stage, count: stages.get(stage) ?? 0 }));

  return {
    asOf: now,
    period,
    stages: stageRows,
    trainees: stageRows.reduce((total, s) => total + s.count, 0),
    upcoming: {
      sessions: upcoming.map((s) => {
        const enrolled = Number(s.enrolled ?? 0);
        return {
          id: s.id,
          trainingTitle: s.title,
          place: s.place,
          startsAt: new Date(s.first),
          capacity: s.capacity,
          enrolled,
          waitlisted: Number(s.waitlisted ?? 0),
          fillRate: s.capacity > 0 ? Math.min(1, enrolled / s.capacity) : 0,
        };
      }),
      total: Number(first?.total ?? 0),
      capacity: upcomingCapacity,
      enrolled: upcomingEnrolled,
      waitlisted: Number(first?.total_waitlisted ?? 0),
      fillRate: upcomingCapacity > 0 ? Math.min(1, upcomingEnrolled / upcomingCapacity) : null,
    },
    months,
    totals: {
      halfDays: sum((m) => m.halfDays),
      hoursDelivered: sum((m) => m.hoursDelivered),
      expected,
      present,
      attendanceRate: expected > 0 ? present / expected : null,
      missionMinutes: sum((m) => m.missionMinutes),
      missions: missions.reduce((total, m) => total + Number(m.n), 0),
    },
    attestations: ATTESTATION_KINDS.map((kind) => ({ kind, count: attestationCounts.get(kind) ?? 0 })),
    modules: modules
      .map((m) => ({ moduleId: m.module_id, started: Number(m.started), completed: Number(m.completed) }))
      .sort((a, b) => b.started - a.started || b.completed - a.completed || a.moduleId.localeCompare(b.moduleId)),
    satisfaction,
  };
}

/**
 * A value recomputed in the background once it is older than `freshMs`: readers get the last
 * one at once meanwhile, unless it is older than `maxAgeMs` (then they wait for a new one, so
 * that nobody reads figures from an hour ago). One computation at a time; a failed one leaves
 * the last value in place and is retried by the next reader.
 */
export class RefreshingValue<T> {
  #value: { at: number; value: T } | undefined;
  #pending: Promise<T> | undefined;
  readonly load: () => Promise<T>;
  readonly options: { freshMs: number; maxAgeMs: number; now: () => number };

  constructor(load: () => Promise<T>, options: { freshMs: number; maxAgeMs: number; now: () => number }) {
    this.load = load;
    this.options = options;
  }

  async get(): Promise<T> {
    const now = this.options.now();
    const current = this.#value;
    if (current && now - current.at < this.options.freshMs) return current.value;
    const refresh = this.#refresh();
    if (current && now - current.at < this.options.maxAgeMs) {
      refresh.catch(() => undefined);
      return current.value;
    }
    return refresh;
  }

  #refresh(): Promise<T> {
    if (!this.#pending) {
      const at = this.options.now();
      this.#pending = this.load()
        .then((value) => {
          this.#value = { at, value };
          return value;
        })
        .finally(() => {
          this.#pending = undefined;
        });
    }
    return this.#pending;
  }
}

const FRESH_MS = 30_000;
const MAX_AGE_MS = 5 * 60_000;
const caches = new WeakMap<Database, RefreshingValue<DashboardData>>();

/**
 * The figures as the page shows them: at most 30 s old, computed once for every coordinator of
 * this server instance (the same for all of them: nothing in them depends on who looks), so
 * that many people opening the dashboard cost one computation, not one each.
 */
export function dashboardFigures(ctx: AppContext): Promise<DashboardData> {
  let cache = caches.get(ctx.db);
  if (!cache) {
    cache = new RefreshingValue(() => computeDashboard(ctx.db, ctx.now()), { freshMs: FRESH_MS, maxAgeMs: MAX_AGE_MS, now: () => ctx.now().getTime() });
    caches.set(ctx.db, cache);
  }
  return cache.get();
}
