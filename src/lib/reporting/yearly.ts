import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../db/index.ts';
import { EMPLOYER_TYPES, type EmployerType } from '../db/schema.ts';
import type { Outcome } from '../accounts/registration.ts';
import { frenchLongDate, parisDay, parisInstant, TIME_ZONE } from '../time.ts';
import { EMPLOYER_TYPE_LABELS, UNKNOWN_EMPLOYER_TYPE_LABEL } from './employer-types.ts';

/**
 * The yearly report for funders (ARS PACA) and quality audits (Qualiopi): who was trained and for
 * how many hours, by audience, category and training; what was delivered; the trainers' hours;
 * and section F-1 of the bilan pédagogique et financier.
 *
 * Everything counts half-days by their start: a trainee counts in a period when they attended at
 * least one half-day starting in it, and only those half-days' hours count. A session running
 * from 30 December to 2 January is therefore split between the two years as it was attended.
 * Hours attended follow `hoursAttended` (attendance/hours.ts): a present participant gets the
 * half-day in full, a late one from their arrival, an absence nothing; the latest record of a
 * (half-day, person) is the current one, as everywhere else.
 *
 * The figures come from five aggregate queries whatever the number of people (no query per
 * person or per session), with the half-days of the period found by `session_slot_starts_at_idx`
 * (migration 0011) and their records by `attendance_record_current_idx` (0015). Measured on the
 * large seeded world's last full year (52,000 attendance records, 17,000 participations, 7,000
 * trainees): about 0.2 s on PGlite and on PostgreSQL; reading the year's records is most of it.
 */

// ---------------------------------------------------------------------------------------------
// The period

export const MAX_PERIOD_YEARS = 5;

export interface ReportPeriod {
  /** First day, « 2025-01-01 » (Paris). */
  from: string;
  /** Last day, included, « 2025-12-31 » (Paris). */
  to: string;
  /** Midnight in Paris at the start of `from`. */
  startsAt: Date;
  /** Midnight in Paris after `to`: the period is [startsAt, endsBefore). */
  endsBefore: Date;
}

const DAY_FORMAT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The calendar day as numbers, or null when it is malformed or does not exist (« 2025-02-30 »). */
function realDay(value: string): { year: number; month: number; day: number } | null {
  const match = DAY_FORMAT.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return { year, month, day };
}

function nextDay(value: string): string {
  return new Date(Date.parse(`${value}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function periodOf(from: string, to: string): ReportPeriod {
  // Midnight exists every day in Paris (the clocks change at 2 or 3 in the morning).
  return { from, to, startsAt: parisInstant(from, '00:00')!, endsBefore: parisInstant(nextDay(to), '00:00')! };
}

/**
 * The period shown when none is asked for: the bilan pédagogique et financier of a year is written
 * in the spring that follows, so until the end of March it is the previous calendar year, and from
 * April on the current one.
 */
export function defaultPeriod(now: Date): ReportPeriod {
  const [year, month] = parisDay(now).split('-').map(Number) as [number, number];
  const shown = month < 4 ? year - 1 : year;
  return periodOf(`${shown}-01-01`, `${shown}-12-31`);
}

/**
 * The period from the page's address (`du`, `au`, as « 2025-01-01 »); neither given: the default.
 * Bad dates get a French 400.
 */
export function reportPeriod(input: { du?: string | null | undefined; au?: string | null | undefined }, now: Date): Outcome<{ period: ReportPeriod; chosen: boolean }> {
  const du = input.du?.trim() ?? '';
  const au = input.au?.trim() ?? '';
  if (!du && !au) return { ok: true, period: defaultPeriod(now), chosen: false };
  if (!du || !au) return { ok: false, status: 400, message: 'Période : indiquez les deux dates, le début et la fin.' };
  const from = realDay(du);
  if (!from) return { ok: false, status: 400, message: 'Du : cette date n’existe pas ; choisissez-la dans le calendrier (jj/mm/aaaa).' };
  const to = realDay(au);
  if (!to) return { ok: false, status: 400, message: 'Au : cette date n’existe pas ; choisissez-la dans le calendrier (jj/mm/aaaa).' };
  if (from.year < 2000 || to.year > 2100) return { ok: false, status: 400, message: 'Période : choisissez des dates entre l’an 2000 et l’an 2100.' };
  if (du > au) return { ok: false, status: 400, message: 'Période : la date de fin doit venir après la date de début.' };
  // At most five years: the last day comes before the same day five years later.
  const limit = `${String(from.year + MAX_PERIOD_YEARS).padStart(4, '0')}${du.slice(4)}`;
  if (au >= limit) return { ok: false, status: 400, message: `Période : ${MAX_PERIOD_YEARS} ans au plus ; raccourcissez-la ou faites plusieurs bilans.` };
  return { ok: true, period: periodOf(du, au), chosen: true };
}

/** « l’année 2025 » for a calendar year, else « du 1 mars 2025 au 30 juin 2025 ». */
export function periodLabel(period: ReportPeriod): string {
  const year = period.from.slice(0, 4);
  if (period.from === `${year}-01-01` && period.to === `${year}-12-31`) return `l’année ${year}`;
  const day = (value: string) => frenchLongDate(parisInstant(value, '12:00')!).replace(/^\S+ /, '');
  return `du ${day(period.from)} au ${day(period.to)}`;
}

/** « 2025 » or « 2025-03-01-au-2025-06-30 », for the downloads' names. */
export function periodSlug(period: ReportPeriod): string {
  const year = period.from.slice(0, 4);
  return period.from === `${year}-01-01` && period.to === `${year}-12-31` ? year : `${period.from}-au-${period.to}`;
}

// ---------------------------------------------------------------------------------------------
// The figures

export interface Figures {
  /** Distinct people. */
  trainees: number;
  /** Hours attended, summed over them (« heures-stagiaires »). */
  hours: number;
}

/**
 * Section F-1 (« Type de stagiaires de l'organisme ») of the bilan pédagogique et financier,
 * cerfa n° 10443*16 (the version these guides describe and the online form « Mon Activité
 * Formation » copies: https://culture-rh.com/?p=11036, https://opaga.fr/2021/05/une-assistance-au-bpf.html,
 * https://www.smartof.tech/guide-bilan-pedagogique-et-financier). For each line it asks the number
 * of trainees and the total hours of training they attended:
 *   a. Salariés d'employeurs privés hors apprentis
 *   b. Apprentis
 *   c. Personnes en recherche d'emploi formées par votre organisme de formation
 *   d. Particuliers à leurs propres frais formés par votre organisme de formation
 *   e. Autres stagiaires
 *   Total (F-1)
 * Public employees have no line of their own: they are « autres stagiaires » (e), as are the
 * other situations and, until the coordination gives it, an unknown category. The platform does
 * not record apprentices, so line b is left to the organisation (the page says so).
 */
export const BPF_LINES = ['a', 'c', 'd', 'e'] as const;
export type BpfLine = (typeof BPF_LINES)[number];
export const BPF_LINE_LABELS: Readonly<Record<BpfLine, string>> = {
  a: 'Salariés d’employeurs privés hors apprentis',
  c: 'Personnes en recherche d’emploi',
  d: 'Particuliers à leurs propres frais',
  e: 'Autres stagiaires',
};
export const bpfLineOf = (type: EmployerType | null): BpfLine =>
  type === 'private_employer' ? 'a' : type === 'job_seeker' ? 'c' : type === 'self_funded' ? 'd' : 'e';

/** A category of trainee, or null for « not given yet ». */
export type Category = EmployerType | null;
export const CATEGORIES: readonly Category[] = [...EMPLOYER_TYPES, null];
export const categoryLabel = (category: Category): string => (category ? EMPLOYER_TYPE_LABELS[category] : UNKNOWN_EMPLOYER_TYPE_LABEL);

export interface TrainingFigures extends Figures {
  trainingId: string;
  title: string;
  sessions: number;
  days: number;
  halfDays: number;
  hoursDelivered: number;
}

export interface Delivery {
  /** Sessions with at least one half-day delivered in the period. */
  sessions: number;
  /** Distinct (session, Paris day) pairs. */
  days: number;
  halfDays: number;
  hours: number;
}

export interface TrainerFigures {
  personId: string;
  name: string;
  halfDays: number;
  hours: number;
}

export interface UnknownCategorySession {
  sessionId: string;
  title: string;
  startsAt: Date | null;
  /** Trainees of the session in the period, and how many of them have no category yet. */
  trainees: number;
  unknown: number;
}

export interface YearlyReport {
  period: ReportPeriod;
  total: Figures;
  /** Trainees of the pathway (role « stagiaire » or a member of the pathway). */
  pathway: Figures;
  /** Everyone else who attended. */
  professionals: Figures;
  /** The professionals by category, in the order of CATEGORIES (zeros included). */
  professionalsByCategory: Array<Figures & { category: Category }>;
  /** Everyone by category, in the order of CATEGORIES (zeros included). */
  byCategory: Array<Figures & { category: Category }>;
  byTraining: TrainingFigures[];
  delivery: Delivery;
  trainers: TrainerFigures[];
  /** Section F-1: lines a, c, d, e and their total (the sum of the lines). */
  bpf: { lines: Array<Figures & { line: BpfLine }>; total: Figures };
  /** The sessions where some trainees have no category yet (the 50 first), and how many sessions in all. */
  unknownCategory: { trainees: number; sessions: UnknownCategorySession[]; sessionCount: number };
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
const ZERO: Figures = { trainees: 0, hours: 0 };

/**
 * The trainees' figures in one statement. `participation` is one row per (session, person) who
 * attended a half-day starting in the period, with their hours and category: the period's
 * half-days are found first (by their start, `session_slot_starts_at_idx`), then each one's
 * records are read through `attendance_record_current_idx` (migration 0015; a lateral join, so a
 * short period reads only its own half-days), in (person, id) order, so the current record of a
 * (half-day, person), its latest, comes first, with its status and arrival in the index. Every
 * figure is then a hash aggregate over that set, people first deduplicated per group: no sort of
 * the whole set, which costs seconds on a large year.
 */
function traineeFiguresQuery(period: ReportPeriod): RawBuilder<TraineeRow> {
  return sql<TraineeRow>`
    WITH slot_in AS MATERIALIZED (
      SELECT sl.id, sl.session_id, s.training_id, sl.starts_at, sl.ends_at
      FROM session_slot sl
      JOIN training_session s ON s.id = sl.session_id
      WHERE sl.starts_at >= ${period.startsAt} AND sl.starts_at < ${period.endsBefore}
    ),
    attended AS (
      SELECT si.session_id, si.training_id, c.person_id,
        date_part('epoch', si.ends_at - CASE WHEN c.status = 'late'
          THEN GREATEST(si.starts_at, COALESCE(c.arrived_at, si.starts_at))
          ELSE si.starts_at END) / 3600.0 AS hours
      FROM slot_in si
      CROSS JOIN LATERAL (
        SELECT DISTINCT ON (r.person_id) r.person_id, r.status, r.arrived_at
        FROM attendance_record r
        WHERE r.slot_id = si.id
        ORDER BY r.person_id, r.id DESC
      ) c
      WHERE c.status IN ('present', 'late')
    ),
    participation AS MATERIALIZED (
      SELECT a.session_id, a.training_id, a.person_id, a.hours, e.employer_type AS category,
        CASE e.employer_type WHEN 'private_employer' THEN 'a' WHEN 'job_seeker' THEN 'c' WHEN 'self_funded' THEN 'd' ELSE 'e' END AS bpf_line
      FROM (
        SELECT session_id, training_id, person_id, SUM(hours) AS hours
        FROM attended
        WHERE hours > 0
        GROUP BY session_id, training_id, person_id
      ) a
      LEFT JOIN enrolment e ON e.session_id = a.session_id AND e.person_id = a.person_id
    ),
    people AS MATERIALIZED (
      SELECT x.person_id, x.hours,
        (EXISTS (SELECT 1 FROM pathway_member m WHERE m.person_id = x.person_id)
          OR EXISTS (SELECT 1 FROM person_role pr WHERE pr.person_id = x.person_id AND pr.role = 'trainee')) AS pathway
      FROM (SELECT person_id, SUM(hours) AS hours FROM participation GROUP BY person_id) x
    ),
    person_category AS MATERIALIZED (
      SELECT person_id, category, bpf_line, SUM(hours) AS hours FROM participation GROUP BY person_id, category, bpf_line
    )
    SELECT 'all' AS kind, NULL AS key, NULL::boolean AS pathway, COUNT(*)::int AS trainees, 0 AS unknown, SUM(hours) AS hours
      FROM people
    UNION ALL
    SELECT 'audience', NULL, pathway, COUNT(*)::int, 0, SUM(hours) FROM people GROUP BY pathway
    UNION ALL
    SELECT 'audience_category', pc.category, pe.pathway, COUNT(*)::int, 0, SUM(pc.hours)
      FROM person_category pc JOIN people pe ON pe.person_id = pc.person_id
      GROUP BY pc.category, pe.pathway
    UNION ALL
    SELECT 'category', category, NULL, COUNT(*)::int, 0, SUM(hours) FROM person_category GROUP BY category
    UNION ALL
    SELECT 'bpf_line', bpf_line, NULL, COUNT(*)::int, 0, SUM(hours)
      FROM (SELECT person_id, bpf_line, SUM(hours) AS hours FROM person_category GROUP BY person_id, bpf_line) l
      GROUP BY bpf_line
    UNION ALL
    SELECT 'training', training_id::text, NULL, COUNT(*)::int, 0, SUM(hours)
      FROM (SELECT training_id, person_id, SUM(hours) AS hours FROM participation GROUP BY training_id, person_id) t
      GROUP BY training_id
    UNION ALL
    SELECT 'session', session_id::text, NULL, COUNT(*)::int, (COUNT(*) FILTER (WHERE category IS NULL))::int, SUM(hours)
      FROM participation GROUP BY session_id
  `;
}

interface TraineeRow {
  kind: 'all' | 'audience' | 'audience_category' | 'category' | 'bpf_line' | 'training' | 'session';
  /** The category, BPF line, training or session of the row (null for « all », « audience », and the unknown category). */
  key: string | null;
  pathway: boolean | null;
  trainees: number;
  /** For a session: how many of its trainees have no category yet. */
  unknown: number;
  hours: number;
}

interface DeliveryRow {
  grouping_set: number;
  training_id: string | null;
  sessions: number;
  days: number;
  half_days: number;
  hours: number;
}

/**
 * The half-days delivered in the period: those whose attendance was opened, or where someone was
 * recorded present (a trainer may note presences afterwards without having opened the signing).
 */
function deliveredCte(period: ReportPeriod): RawBuilder<unknown> {
  return sql`
    delivered AS (
      SELECT sl.id, sl.session_id, s.training_id,
        date_part('epoch', sl.ends_at - sl.starts_at) / 3600.0 AS hours,
        (sl.starts_at AT TIME ZONE ${TIME_ZONE})::date AS day
      FROM session_slot sl
      JOIN training_session s ON s.id = sl.session_id
      WHERE sl.starts_at >= ${period.startsAt} AND sl.starts_at < ${period.endsBefore}
        AND s.cancelled_at IS NULL
        AND (sl.opened_at IS NOT NULL OR EXISTS (SELECT 1 FROM attendance_record r WHERE r.slot_id = sl.id AND r.status IN ('present', 'late')))
    )`;
}

export async function yearlyReport(db: Database, period: ReportPeriod): Promise<YearlyReport> {
  // The largest step sorts and hashes tens of thousands of rows: a little more memory than the
  // default keeps it off the disk, for this transaction only. Its cost estimate is high enough for
  // PostgreSQL to compile it to machine code first (JIT), which took longer than running it
  // (0.2 s of 1 s on a year of 50,000 records).
  const traineeRows = await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('work_mem', '32MB', true), set_config('jit', 'off', true)`.execute(trx);
    return (await traineeFiguresQuery(period).execute(trx)).rows;
  });
  const deliveryRows = (
    await sql<DeliveryRow>`
      WITH ${deliveredCte(period)}
      SELECT GROUPING(training_id) AS grouping_set, training_id,
        COUNT(DISTINCT session_id)::int AS sessions,
        COUNT(DISTINCT (session_id, day))::int AS days,
        COUNT(*)::int AS half_days,
        ROUND(SUM(hours)::numeric, 2)::float8 AS hours
      FROM delivered
      GROUP BY GROUPING SETS ((), (training_id))
    `.execute(db)
  ).rows;
  const trainerRows = (
    await sql<{ person_id: string; given_name: string; family_name: string; half_days: number; hours: number }>`
      WITH ${deliveredCte(period)}
      SELECT st.person_id, p.given_name, p.family_name, COUNT(*)::int AS half_days, ROUND(SUM(d.hours)::numeric, 2)::float8 AS hours
      FROM delivered d
      JOIN session_trainer st ON st.session_id = d.session_id
      JOIN person p ON p.id = st.person_id
      GROUP BY st.person_id, p.given_name, p.family_name
    `.execute(db)
  ).rows;

  const rowsOf = (kind: TraineeRow['kind']) => traineeRows.filter((r) => r.kind === kind);
  const figures = (row: TraineeRow | undefined): Figures => (row ? { trainees: row.trainees, hours: round2(Number(row.hours ?? 0)) } : ZERO);

  const trainingIds = new Set<string>();
  for (const r of rowsOf('training')) trainingIds.add(r.key!);
  const deliveredByTraining = new Map<string, DeliveryRow>();
  for (const r of deliveryRows.filter((d) => Number(d.grouping_set) === 0)) {
    deliveredByTraining.set(r.training_id!, r);
    trainingIds.add(r.training_id!);
  }
  const unknownSessions = rowsOf('session')
    .filter((r) => r.unknown > 0)
    .sort((a, b) => b.unknown - a.unknown);
  const shownUnknown = unknownSessions.slice(0, 50);
  const [titles, sessions] = await Promise.all([
    trainingIds.size
      ? db.selectFrom('training').select(['id', 'title']).where('id', 'in', [...trainingIds]).execute()
      : Promise.resolve([] as { id: string; title: string }[]),
    shownUnknown.length
      ? db
          .selectFrom('training_session as s')
          .innerJoin('training as t', 't.id', 's.training_id')
          .leftJoin('session_slot as sl', 'sl.session_id', 's.id')
          .select(['s.id', 't.title'])
          .select((eb) => eb.fn.min('sl.starts_at').as('starts_at'))
          .where(
            's.id',
            'in',
            shownUnknown.map((r) => r.key!),
          )
          .groupBy(['s.id', 't.title'])
          .execute()
      : Promise.resolve([] as { id: string; title: string; starts_at: Date | null }[]),
  ]);
  const titleOf = new Map(titles.map((t) => [t.id, t.title]));
  const sessionOf = new Map(sessions.map((s) => [s.id, s]));

  const attendedByTraining = new Map(rowsOf('training').map((r) => [r.key!, r]));
  const byTraining: TrainingFigures[] = [...trainingIds]
    .map((id) => {
      const attended = figures(attendedByTraining.get(id));
      const delivered = deliveredByTraining.get(id);
      return {
        trainingId: id,
        title: titleOf.get(id) ?? '',
        ...attended,
        sessions: delivered?.sessions ?? 0,
        days: delivered?.days ?? 0,
        halfDays: delivered?.half_days ?? 0,
        hoursDelivered: round2(delivered?.hours ?? 0),
      };
    })
    .sort((a, b) => a.title.localeCompare(b.title, 'fr'));

  const total = deliveryRows.find((d) => Number(d.grouping_set) === 1);
  const byCategoryRows = rowsOf('category');
  const professionalRows = rowsOf('audience_category').filter((r) => r.pathway === false);
  const bpfLines = BPF_LINES.map((line) => ({ line, ...figures(rowsOf('bpf_line').find((r) => r.key === line)) }));

  return {
    period,
    total: figures(rowsOf('all')[0]),
    pathway: figures(rowsOf('audience').find((r) => r.pathway === true)),
    professionals: figures(rowsOf('audience').find((r) => r.pathway === false)),
    professionalsByCategory: CATEGORIES.map((category) => ({ category, ...figures(professionalRows.find((r) => r.key === category)) })),
    byCategory: CATEGORIES.map((category) => ({ category, ...figures(byCategoryRows.find((r) => r.key === category)) })),
    byTraining,
    delivery: { sessions: total?.sessions ?? 0, days: total?.days ?? 0, halfDays: total?.half_days ?? 0, hours: round2(total?.hours ?? 0) },
    trainers: trainerRows
      .sort((a, b) => a.family_name.localeCompare(b.family_name, 'fr') || a.given_name.localeCompare(b.given_name, 'fr'))
      .map((r) => ({ personId: r.person_id, name: `${r.given_name} ${r.family_name}`, halfDays: r.half_days, hours: round2(r.hours) })),
    bpf: {
      lines: bpfLines,
      total: { trainees: bpfLines.reduce((n, l) => n + l.trainees, 0), hours: round2(bpfLines.reduce((n, l) => n + l.hours, 0)) },
    },
    unknownCategory: {
      trainees: figures(byCategoryRows.find((r) => r.key === null)).trainees,
      sessionCount: unknownSessions.length,
      sessions: shownUnknown
        .map((r) => ({
          sessionId: r.key!,
          title: sessionOf.get(r.key!)?.title ?? '',
          startsAt: (sessionOf.get(r.key!)?.starts_at as Date | null | undefined) ?? null,
          trainees: r.trainees,
          unknown: r.unknown,
        }))
        .sort((a, b) => (a.startsAt?.getTime() ?? 0) - (b.startsAt?.getTime() ?? 0)),
    },
  };
}
