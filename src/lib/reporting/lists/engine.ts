import { sql, type Expression, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { FORM_ERROR_SUMMARY, field } from '../../forms.ts';
import { isCalendarDay } from '../../pathway/missions.ts';
import { parisInstant } from '../../time.ts';

/**
 * What every coordination list shares: how its address is read (search text `q`, filters, sort
 * column `tri`, direction `ordre`, page `page`), how its links are written back, how it searches,
 * sorts, pages and counts. A list declares its filters and sort columns; the rest is here, so
 * the four lists behave the same and an address means the same thing on the page and in its CSV
 * (an export posts the same parameters: src/lib/reporting/exports/).
 */

export const PAGE_SIZE = 50;
/** Deeper than this, offsets get slow and nobody reads: the page asks to narrow the search instead. */
export const MAX_PAGE = 200;
/** Counting stops there (« 10 000 ou plus »), so a count never reads a whole large table. */
export const COUNT_CAP = PAGE_SIZE * MAX_PAGE;
/** Rows per query when a CSV is written. */
export const CSV_CHUNK = 1000;

export type Order = 'asc' | 'desc';

/** A sort column as SQL, never null, with its type (to read a cursor value back exactly). */
export interface SortKey {
  expr: RawBuilder<unknown>;
  type: 'text' | 'timestamptz' | 'date' | 'integer' | 'float8' | 'uuid';
}

export interface ListQuery<S extends string, F> {
  /** The text typed, trimmed (undefined when empty). */
  q: string | undefined;
  /** Its words: a row matches when it contains each of them. */
  terms: string[];
  filters: F;
  sort: S;
  order: Order;
  page: number;
  /** The accepted values as typed, to write the links and refill the form. */
  values: Record<string, string>;
}

export type ListRead<S extends string, F> =
  | { ok: true; query: ListQuery<S, F> }
  | { ok: false; status: 400; message: string; errors: Record<string, string>; values: Record<string, string> };

/** The parameters a list reads, e.g. `QueryOf<typeof PEOPLE_LIST>`. */
export type QueryOf<L> = L extends ListDefinition<infer S, infer F> ? ListQuery<S, F> : never;

export interface ListDefinition<S extends string, F> {
  path: string;
  sorts: Readonly<Record<S, Order>>;
  defaultSort: S;
  /** The filters' names, in the order links write them. */
  filterNames: readonly string[];
  read(params: URLSearchParams): ListRead<S, F>;
  /** The address of this list with these parameters (defaults left out), optionally changed. */
  href(query: ListQuery<S, F>, change?: { sort?: S; order?: Order; page?: number; path?: string }): string;
  /** The parameters its export posts: the same rows, every page (the page number left out). */
  exportFields(query: ListQuery<S, F>): [string, string][];
}

/** A list's CSV as data: its header, how many rows the filters keep, and the lines by chunks. */
export interface CsvRows {
  header: readonly string[];
  /** Counted whole (not capped like a page's count): the export's progress is over it. */
  count(): Promise<number>;
  /** The lines, one chunk of rows at a time, in the list's order. */
  chunks: AsyncIterable<string[][]>;
}

const CONTROL = /[\u0000-\u001f\u007f]/g;
const searchText = z
  .string()
  .transform((v) => v.replace(CONTROL, ' ').trim())
  .pipe(z.string().max(100, { error: 'Recherche : 100 caractères au plus.' }));
const pageField = z
  .string()
  .regex(/^\d{1,6}$/, { error: 'Page : un nombre entier.' })
  .transform(Number)
  .pipe(z.number().min(1, { error: 'Page : au moins 1.' }).max(MAX_PAGE, { error: `Page : ${MAX_PAGE} au plus ; affinez plutôt la recherche.` }));

/** A day typed in a date field, checked against the calendar (« 2026-02-30 » is refused). */
export const dayField = (label: string) =>
  field.date(label).refine(isCalendarDay, { error: `${label} : cette date n’existe pas.` });

/** A filter given as a number among a few (e.g. a stage). */
export const numberChoice = (label: string, values: readonly number[]) =>
  z
    .string()
    .refine((v) => values.map(String).includes(v), { error: `${label} : choisissez une des options proposées.` })
    .transform(Number);

/**
 * Declares a list: its address, its sort columns with their natural direction, its default
 * sort, and its filters as zod fields (each optional: an empty field is no filter). `check`
 * judges the filters together (e.g. a period whose start is after its end).
 */
export function defineList<const S extends string, Shape extends z.ZodRawShape>(definition: {
  path: string;
  sorts: Readonly<Record<S, Order>>;
  defaultSort: NoInfer<S>;
  filters: Shape;
  check?: (filters: z.output<z.ZodObject<Shape>>) => { field: string; message: string } | null;
}): ListDefinition<S, Partial<z.output<z.ZodObject<Shape>>>> {
  type F = Partial<z.output<z.ZodObject<Shape>>>;
  const sortNames = Object.keys(definition.sorts) as [S, ...S[]];
  const filterNames = Object.keys(definition.filters);
  const schema = z
    .object({
      q: searchText.optional(),
      tri: z.enum(sortNames, { error: 'Tri : choisissez une des colonnes proposées.' }).optional(),
      ordre: z.enum(['asc', 'desc'], { error: 'Ordre : croissant (asc) ou décroissant (desc).' }).optional(),
      page: pageField.optional(),
    })
    .extend(definition.filters)
    .partial();

  const read = (params: URLSearchParams): ListRead<S, F> => {
    // The first value of each known name; an empty field (an unchosen select) is no filter.
    const raw: Record<string, string> = {};
    for (const name of ['q', 'tri', 'ordre', 'page', ...filterNames]) {
      const value = params.get(name);
      if (value !== null && value.trim() !== '') raw[name] = value;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_')] ??= issue.message;
      return { ok: false, status: 400, message: FORM_ERROR_SUMMARY, errors, values: raw };
    }
    const data = parsed.data as Record<string, unknown>;
    const filters = Object.fromEntries(filterNames.filter((n) => data[n] !== undefined).map((n) => [n, data[n]])) as F;
    const problem = definition.check?.(filters as z.output<z.ZodObject<Shape>>);
    if (problem) return { ok: false, status: 400, message: FORM_ERROR_SUMMARY, errors: { [problem.field]: problem.message }, values: raw };
    const q = (data.q as string | undefined) || undefined;
    const sort = (data.tri as S | undefined) ?? definition.defaultSort;
    const values = { ...raw };
    if (q) values.q = q;
    else delete values.q;
    return {
      ok: true,
      query: {
        q,
        terms: q ? q.split(/\s+/).filter(Boolean).slice(0, 8) : [],
        filters,
        sort,
        order: (data.ordre as Order | undefined) ?? definition.sorts[sort],
        page: (data.page as number | undefined) ?? 1,
        values,
      },
    };
  };

  const paramsOf = (query: ListQuery<S, F>, change: { sort?: S; order?: Order; page?: number }): URLSearchParams => {
    const params = new URLSearchParams();
    if (query.q) params.set('q', query.q);
    for (const name of filterNames) if (query.values[name] !== undefined) params.set(name, query.values[name]);
    const sort = change.sort ?? query.sort;
    const order = change.order ?? (change.sort ? definition.sorts[change.sort] : query.order);
    if (sort !== definition.defaultSort || order !== definition.sorts[sort]) params.set('tri', sort);
    if (order !== definition.sorts[sort]) params.set('ordre', order);
    const page = change.page ?? query.page;
    if (page > 1) params.set('page', String(page));
    return params;
  };

  const href: ListDefinition<S, F>['href'] = (query, change = {}) => {
    const text = paramsOf(query, change).toString();
    return `${change.path ?? definition.path}${text ? `?${text}` : ''}`;
  };

  const exportFields: ListDefinition<S, F>['exportFields'] = (query) => [...paramsOf(query, { page: 1 })];

  return { path: definition.path, sorts: definition.sorts, defaultSort: definition.defaultSort, filterNames, read, href, exportFields };
}

/** « a%b_c\ » typed is looked for as is: LIKE's wildcards and its escape character are escaped. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Every word is somewhere in the folded text (migration 0012's `search_key` columns): case and
 * accents ignored on both sides by the same SQL function, the words passed as parameters.
 */
export function containsEvery(folded: Expression<string> | RawBuilder<string>, terms: readonly string[]): RawBuilder<SqlBool> {
  if (terms.length === 0) return sql<SqlBool>`true`;
  return sql<SqlBool>`(${sql.join(
    terms.map((t) => sql`${folded} like '%' || esper_fold(${escapeLike(t)}) || '%' escape '\\'`),
    sql` and `,
  )})`;
}

/** The cursor of a row: its sort keys as text, exact whatever their type (microseconds included). */
export const cursorOf = (keys: readonly SortKey[]) =>
  sql<string[]>`array[${sql.join(keys.map((k) => sql`(${k.expr})::text`))}]`.as('cursor');

/** The rows after a cursor in this order (a row comparison: one index range, no offset). */
export function after(keys: readonly SortKey[], order: Order, cursor: readonly string[]): RawBuilder<SqlBool> {
  const values = keys.map((k, i) => sql`cast(${cursor[i]} as ${sql.raw(k.type)})`);
  return sql<SqlBool>`(${sql.join(keys.map((k) => k.expr))}) ${sql.raw(order === 'asc' ? '>' : '<')} (${sql.join(values)})`;
}

/** Orders a query by the keys, all in one direction (the last key is an id: the order is total). */
export function orderedBy<D, T extends keyof D, O>(query: SelectQueryBuilder<D, T, O>, keys: readonly SortKey[], order: Order): SelectQueryBuilder<D, T, O> {
  return keys.reduce((q, k) => q.orderBy(k.expr, order), query);
}

/** How many rows a filtered query has, all of them (an export reads them all anyway). */
export async function countRows<D, T extends keyof D, O>(db: Database, query: SelectQueryBuilder<D, T, O>): Promise<number> {
  const row = await db
    .selectFrom(query.clearSelect().select(sql<number>`1`.as('one')).as('all_rows'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many rows a filtered query has, counting no further than COUNT_CAP + 1. */
export async function boundedCount<D, T extends keyof D, O>(db: Database, query: SelectQueryBuilder<D, T, O>): Promise<{ total: number; capped: boolean }> {
  const bounded = query.clearSelect().select(sql<number>`1`.as('one')).limit(COUNT_CAP + 1);
  const row = await db
    .selectFrom(bounded.as('bounded'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return { total: Math.min(n, COUNT_CAP), capped: n > COUNT_CAP };
}

/**
 * Reads a whole list chunk by chunk, each chunk a query starting after the last row of the one
 * before: query time stays the same whatever the size, and between two chunks the database
 * serves other requests.
 */
export async function* keysetChunks<R extends { cursor: string[] }>(
  fetch: (after: readonly string[] | undefined, limit: number) => Promise<R[]>,
  chunk = CSV_CHUNK,
): AsyncGenerator<R[]> {
  let cursor: readonly string[] | undefined;
  for (;;) {
    const rows = await fetch(cursor, chunk);
    if (rows.length > 0) yield rows;
    if (rows.length < chunk) return;
    cursor = rows[rows.length - 1]!.cursor;
  }
}

/** The lines of a CSV from chunks of rows (a chunk may need a query of its own, e.g. people's roles). */
export async function* mapChunks<R>(chunks: AsyncIterable<R[]>, lines: (rows: R[]) => string[][] | Promise<string[][]>): AsyncGenerator<string[][]> {
  for await (const chunk of chunks) yield await lines(chunk);
}

/** The first instant of a Paris day, and the first of the day after (a period's bounds). */
export function dayBounds(day: string): { start: Date; next: Date } {
  const next = new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return { start: parisInstant(day, '00:00')!, next: parisInstant(next, '00:00')! };
}

/** A period whose end comes before its start is refused, in French. */
export function periodProblem(filters: { du?: string | undefined; au?: string | undefined }): { field: string; message: string } | null {
  return filters.du && filters.au && filters.du > filters.au ? { field: 'au', message: 'Jusqu’au : la fin de la période doit suivre son début.' } : null;
}
