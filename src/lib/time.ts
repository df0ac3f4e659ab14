/**
 * Dates as the association lives them: in Paris time, written the French way. Instants are
 * stored in UTC; every date a person reads or types goes through here.
 */
export const TIME_ZONE = 'Europe/Paris';

const longDate = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: TIME_ZONE });
const shortDate = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TIME_ZONE });
const mediumDate = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: TIME_ZONE });
const dayMonthYear = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: TIME_ZONE });
const clock = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE });
const isoParts = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZone: TIME_ZONE,
});

/** « jeudi 3 décembre 2026 » */
export const frenchLongDate = (at: Date): string => longDate.format(at);
/** « 03/12/2026 » */
export const frenchShortDate = (at: Date): string => shortDate.format(at);
/** « 3 déc. 2026 » */
export const frenchMediumDate = (at: Date): string => mediumDate.format(at);
/** « 3 décembre 2026 » */
export const frenchDayMonthYear = (at: Date): string => dayMonthYear.format(at);
/** « 09:30 » */
export const frenchTime = (at: Date): string => clock.format(at);
/** « 03/12/2026 à 09:30 » */
export const frenchDateTime = (at: Date): string => `${frenchShortDate(at)} à ${frenchTime(at)}`;

/** The Paris wall-clock reading of an instant, as numbers. */
function parisWallClock(at: Date): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = Object.fromEntries(isoParts.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** « 2026-12-03 » in Paris, for date inputs and for grouping half-days by day. */
export function parisDay(at: Date): string {
  const { year, month, day } = parisWallClock(at);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** « 09:30 » in Paris, for time inputs. */
export const parisClock = (at: Date): string => frenchTime(at);

/**
 * The instant at which Paris clocks read this day and time. Returns null for a time that does
 * not exist (the spring change skips 02:00–03:00) or a malformed input.
 */
export function parisInstant(day: string, time: string): Date | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const [year, month, date, hour, minute] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2])];
  if (month < 1 || month > 12 || date < 1 || date > 31 || hour > 23 || minute > 59) return null;
  const wanted = Date.UTC(year, month - 1, date, hour, minute);
  // Paris is UTC+1 or UTC+2: start from the wall time read as UTC and correct by the offset seen.
  let guess = wanted;
  for (let i = 0; i < 3; i += 1) {
    const seen = parisWallClock(new Date(guess));
    const seenAsUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    if (seenAsUtc === wanted) return new Date(guess);
    guess += wanted - seenAsUtc;
  }
  return null;
}

// Made once: toLocaleString with options builds a formatter at each call (20 µs; the dashboard
// writes a hundred figures, and each formatter was a quarter of its rendering).
const TENTHS_FORMAT = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const COUNT_FORMAT = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

/** « 12 345 » : a count the French way. */
export function frenchCount(value: number): string {
  return COUNT_FORMAT.format(value);
}

/** « 4,3 » : a number the French way, to the tenth at most. */
export function frenchTenths(value: number): string {
  return TENTHS_FORMAT.format(value);
}

/** « 3,5 h » : hours written the French way, to the tenth. */
export function frenchHours(hours: number): string {
  const rounded = Math.round(hours * 10) / 10;
  return `${TENTHS_FORMAT.format(rounded)} h`;
}

/** « 87 % » */
export function frenchPercent(ratio: number): string {
  return `${COUNT_FORMAT.format(Math.round(ratio * 100))} %`;
}
