import { z } from 'zod';

/**
 * The one way a form is read: its fields checked against a zod schema whose messages are in
 * French. The page re-renders the form with the values typed (never a password) and, next to
 * each field, what to fix; it answers 400 so that no bad input is ever taken as accepted.
 * A multipart form's files come back in `files` (each field's first non-empty file, never
 * checked by the schema): the page limits the request's size before reading it, and the domain
 * checks the bytes.
 */
export type FormResult<T> =
  | { ok: true; data: T; values: Record<string, string>; files: Record<string, File> }
  | { ok: false; errors: Record<string, string>; values: Record<string, string>; message: string; files: Record<string, File> };

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
export const FORM_ERROR_SUMMARY = 'Le formulaire contient des erreurs : corrigez les champs signalés.';

export async function readForm<S extends z.ZodType>(request: Request, schema: S): Promise<FormResult<z.output<S>>> {
  const type = request.headers.get('content-type') ?? '';
  if (!FORM_TYPES.some((t) => type.startsWith(t)))
    return { ok: false, errors: {}, values: {}, message: 'Ce formulaire n’a pas pu être lu : envoyez-le depuis la page.', files: {} };
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return { ok: false, errors: {}, values: {}, message: 'Ce formulaire n’a pas pu être lu : envoyez-le depuis la page.', files: {} };
  }
  // A field named « x[] » (checkboxes) is read as the list of its values; any other field, as its first value.
  const raw: Record<string, string | string[]> = {};
  const files: Record<string, File> = {};
  for (const [key, entry] of form.entries()) {
    if (typeof entry !== 'string') {
      if (entry.size > 0 && !(key in files)) files[key] = entry;
      continue;
    }
    const value = withoutNul(entry);
    if (key.endsWith('[]')) raw[key] = [...((raw[key] as string[] | undefined) ?? []), value];
    else if (!(key in raw)) raw[key] = value;
  }
  const values = Object.fromEntries(
    Object.entries(raw)
      .filter(([key]) => !/password|mot_?de_?passe/i.test(key))
      .map(([key, value]) => [key, Array.isArray(value) ? value.join('\n') : value]),
  );
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data, values, files };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '_');
    errors[field] ??= issue.message;
  }
  return { ok: false, errors, values, message: FORM_ERROR_SUMMARY, files };
}

/** Field builders with French messages. */
export const field = {
  text: (label: string, options: { min?: number; max?: number } = {}) =>
    z
      .string({ error: `${label} : ce champ est obligatoire.` })
      .trim()
      .min(options.min ?? 1, { error: `${label} : ce champ est obligatoire.` })
      .max(options.max ?? 200, { error: `${label} : ${options.max ?? 200} caractères au plus.` }),
  optionalText: (label: string, max = 200) =>
    z
      .string()
      .trim()
      .max(max, { error: `${label} : ${max} caractères au plus.` })
      .optional()
      .transform((v) => (v ? v : undefined)),
  email: () =>
    z
      .string({ error: 'Adresse e-mail : ce champ est obligatoire.' })
      .trim()
      .min(1, { error: 'Adresse e-mail : ce champ est obligatoire.' })
      .max(254, { error: 'Adresse e-mail : 254 caractères au plus.' })
      .pipe(z.email({ error: 'Adresse e-mail : le format attendu est nom@exemple.fr.' })),
  /** A password is never trimmed: spaces may be part of it. Strength is checked by the domain. */
  password: (label = 'Mot de passe') =>
    z
      .string({ error: `${label} : ce champ est obligatoire.` })
      .min(1, { error: `${label} : ce champ est obligatoire.` })
      .max(200, { error: `${label} : 200 caractères au plus.` }),
  choice: <const T extends readonly [string, ...string[]]>(label: string, values: T) =>
    z.enum(values, { error: `${label} : choisissez une des options proposées.` }),
  /** Checkboxes named « x[] »: the ids ticked (none ticked: an empty list). */
  ids: (label: string) =>
    z
      .array(z.string().regex(/^[0-9a-f-]{36}$/i, { error: `${label} : choix invalide.` }), { error: `${label} : choix invalide.` })
      .max(50, { error: `${label} : 50 au plus.` })
      .optional()
      .transform((v) => v ?? []),
  /** A whole number typed in a field. */
  integer: (label: string, options: { min: number; max: number }) =>
    z
      .string({ error: `${label} : ce champ est obligatoire.` })
      .trim()
      .regex(/^\d+$/, { error: `${label} : un nombre entier.` })
      .transform(Number)
      .pipe(
        z
          .number()
          .min(options.min, { error: `${label} : au moins ${options.min}.` })
          .max(options.max, { error: `${label} : ${options.max} au plus.` }),
      ),
  /** A date typed in an <input type="date"> (« 2026-12-03 »). */
  date: (label: string) =>
    z.string({ error: `${label} : ce champ est obligatoire.` }).regex(/^\d{4}-\d{2}-\d{2}$/, { error: `${label} : une date au format jj/mm/aaaa.` }),
  optionalDate: (label: string) =>
    z
      .string()
      .trim()
      .regex(/^(\d{4}-\d{2}-\d{2})?$/, { error: `${label} : une date au format jj/mm/aaaa.` })
      .optional()
      .transform((v) => (v ? v : undefined)),
  /** A time typed in an <input type="time"> (« 09:30 »). */
  time: (label: string) =>
    z.string({ error: `${label} : ce champ est obligatoire.` }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: `${label} : une heure, par exemple 09:30.` }),
  token: () => z.string({ error: 'Le lien est incomplet.' }).regex(/^[a-z2-7]{32}$/, { error: 'Le lien est incomplet ou abîmé.' }),
};

/** No one types a NUL character, and PostgreSQL refuses it in a text (a 500): it is dropped. */
const withoutNul = (text: string) => text.replaceAll('\u0000', '');

/** Whether a JSON value holds a NUL character in a string or a key (PostgreSQL refuses it, in text as in jsonb). */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([key, v]) => key.includes('\u0000') || holdsNul(v));
  return false;
}

export type JsonResult<T> = { ok: true; data: T; raw: unknown } | { ok: false; status: 400 | 413 | 415; message: string };

/** The JSON counterpart of readForm, for the few endpoints that scripts call. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S, maxBytes = 64 * 1024): Promise<JsonResult<z.output<S>>> {
  if (!(request.headers.get('content-type') ?? '').startsWith('application/json'))
    return { ok: false, status: 415, message: 'Le contenu doit être envoyé en JSON.' };
  const text = await request.text().catch(() => null);
  if (text === null) return { ok: false, status: 400, message: 'La requête n’a pas pu être lue.' };
  if (new TextEncoder().encode(text).length > maxBytes) return { ok: false, status: 413, message: 'La requête est trop volumineuse.' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, message: 'Le JSON envoyé est mal formé.' };
  }
  if (holdsNul(raw)) return { ok: false, status: 400, message: 'Le JSON envoyé contient un caractère nul (\\u0000), qui n’est pas accepté.' };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, status: 400, message: `Données invalides : ${parsed.error.issues[0]?.message ?? 'format inattendu'}.` };
  return { ok: true, data: parsed.data, raw };
}

export type UploadResult = { ok: true; bytes: Uint8Array; filename: string; fields: Record<string, string> } | { ok: false; status: 400 | 413; message: string };

/** The file of a multipart form (one field), refused early when the request declares more than `maxBytes`. */
export async function readUpload(request: Request, fieldName: string, options: { maxBytes: number; missing: string; tooBig: string }): Promise<UploadResult> {
  const type = request.headers.get('content-type') ?? '';
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > options.maxBytes + 64 * 1024) return { ok: false, status: 413, message: options.tooBig };
  const form = type.startsWith('multipart/form-data') ? await request.formData().catch(() => null) : null;
  const file = form?.get(fieldName);
  if (!(file instanceof File) || file.size === 0) return { ok: false, status: 400, message: options.missing };
  if (file.size > options.maxBytes) return { ok: false, status: 413, message: options.tooBig };
  const fields: Record<string, string> = {};
  for (const [key, value] of form!.entries()) if (typeof value === 'string') fields[key] = withoutNul(value);
  return { ok: true, bytes: new Uint8Array(await file.arrayBuffer()), filename: file.name, fields };
}
