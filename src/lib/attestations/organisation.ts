import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { DB } from '../db/schema.ts';
import { recordAudit } from '../audit/index.ts';
import { field } from '../forms.ts';
import { managesSessions } from '../sessions/training-sessions.ts';
import { checkImage, imageFacts, kilobytes, type ImageFacts, type ImageType } from '../pdf/images.ts';
import { prepareImage, renderAttestationPdf, signingPlace, type AttestationDocument } from './pdf.ts';

/**
 * The training body as the documents name it: one row, edited by the coordination. An
 * attestation copies these details into its PDF when it is issued, so a change reaches only the
 * attestations issued after it; those already issued keep their bytes and their hash.
 */
export interface Organisation {
  name: string;
  address: string;
  registrationNumber: string | null;
  representativeName: string;
  representativeTitle: string;
  signaturePng: Uint8Array | null;
  logo: { bytes: Uint8Array; mediaType: ImageType } | null;
}

export async function organisation(db: Database | Transaction<DB>): Promise<Organisation> {
  return toOrganisation(await db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow());
}

type SettingsRow = Awaited<ReturnType<typeof settingsRow>>;
const settingsRow = (db: Database | Transaction<DB>) => db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow();

function toOrganisation(row: SettingsRow): Organisation {
  return {
    name: row.name,
    address: row.address,
    registrationNumber: row.registration_number,
    representativeName: row.representative_name,
    representativeTitle: row.representative_title,
    signaturePng: row.signature_png,
    logo: row.logo_image && row.logo_media_type ? { bytes: row.logo_image, mediaType: row.logo_media_type } : null,
  };
}

/** The name alone, for the documents that print nothing else of it (the attendance sheet). */
export async function organisationName(db: Database | Transaction<DB>): Promise<string> {
  return (await db.selectFrom('organisation_settings').select('name').executeTakeFirstOrThrow()).name;
}

/** What the settings page shows: the details, which images are set, and the last change. */
export interface OrganisationSettings extends Omit<Organisation, 'signaturePng' | 'logo'> {
  signature: { width: number; height: number; bytes: number } | null;
  logo: { width: number; height: number; bytes: number; mediaType: ImageType } | null;
  /** « Fait à … » on the attestations. */
  signingPlace: string;
  updatedAt: Date;
  updatedBy: string | null;
}

export async function organisationSettings(db: Database): Promise<OrganisationSettings> {
  const row = await db
    .selectFrom('organisation_settings as o')
    .leftJoin('person as p', 'p.id', 'o.updated_by')
    .selectAll('o')
    .select(['p.given_name', 'p.family_name'])
    .executeTakeFirstOrThrow();
  const { signaturePng, logo, ...details } = toOrganisation(row);
  const size = (bytes: Uint8Array) => {
    const facts = imageFacts(bytes);
    return { width: facts?.width ?? 0, height: facts?.height ?? 0, bytes: bytes.length };
  };
  return {
    ...details,
    signature: signaturePng ? size(signaturePng) : null,
    logo: logo ? { ...size(logo.bytes), mediaType: logo.mediaType } : null,
    signingPlace: signingPlace(row.address),
    updatedAt: row.updated_at,
    updatedBy: row.given_name ? `${row.given_name} ${row.family_name}` : null,
  };
}

export type OrganisationImage = 'signature' | 'logo';

/** The stored image, as uploaded, with its type; null when none is set. */
export async function organisationImage(db: Database, which: OrganisationImage): Promise<{ bytes: Uint8Array; type: ImageType } | null> {
  if (which === 'signature') {
    const row = await db.selectFrom('organisation_settings').select('signature_png').executeTakeFirstOrThrow();
    return row.signature_png ? { bytes: row.signature_png, type: 'image/png' } : null;
  }
  const row = await db.selectFrom('organisation_settings').select(['logo_image', 'logo_media_type']).executeTakeFirstOrThrow();
  return row.logo_image && row.logo_media_type ? { bytes: row.logo_image, type: row.logo_media_type } : null;
}

/** The text fields, as the form sends them and as the domain checks them again. */
export const organisationFields = z.object({
  name: field.text('Nom de l’organisme', { min: 2, max: 150 }),
  address: field
    .text('Adresse', { max: 300 })
    .transform((v) =>
      v
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .join('\n'),
    )
    .refine((v) => v.split('\n').length <= 4, { error: 'Adresse : 4 lignes au plus.' }),
  registrationNumber: field.optionalText('Numéro de déclaration d’activité', 40),
  representativeName: field.text('Nom du ou de la représentant·e légal·e', { min: 2, max: 120 }),
  representativeTitle: field.text('Fonction', { min: 2, max: 80 }),
});
export type OrganisationFields = z.output<typeof organisationFields>;
export type OrganisationField = keyof OrganisationFields | OrganisationImage;

/** Keep the image as it is, replace it by these bytes (PNG, or PNG or JPEG for the logo), or remove it. */
export type ImageChange = { action: 'keep' } | { action: 'replace'; bytes: Uint8Array } | { action: 'remove' };

/** An attestation must stay light: it is emailed, downloaded on phones, and 300 are issued at once. */
export const ATTESTATION_MAX_BYTES = 150 * 1024;

export type OrganisationOutcome =
  | { ok: true; changed: OrganisationField[] }
  | { ok: false; status: 400 | 403; message: string; field?: OrganisationField };

const COORDINATION_ONLY = { ok: false, status: 403, message: 'Seule l’équipe de coordination modifie les coordonnées de l’organisme.' } as const;

/** A sample attestation with these settings: never numbered, never stored, never emailed. */
export function specimenDocument(o: Organisation, at: { now: Date; publicUrl: string }): AttestationDocument {
  const day = 24 * 3_600_000;
  return {
    kind: 'completion_certificate',
    number: 'SPÉCIMEN',
    holderName: 'Dominique Exemple',
    holderEmployer: 'Structure d’exemple',
    title: 'Formation d’exemple',
    place: signingPlace(o.address),
    startsAt: new Date(at.now.getTime() - 8 * day),
    endsAt: new Date(at.now.getTime() - 7 * day),
    hoursAttended: 14,
    hoursPlanned: 14,
    attendanceRate: 1,
    issuedAt: at.now,
    verifyUrl: `${at.publicUrl}/verifier`,
    organisation: o,
    replaces: null,
    specimen: true,
  };
}

export function renderSpecimenPdf(o: Organisation, at: { now: Date; publicUrl: string }): Promise<Uint8Array> {
  return renderAttestationPdf(specimenDocument(o, at));
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean => !!a && !!b && Buffer.from(a).equals(Buffer.from(b));

/**
 * Changes the organisation's details, signature and logo, in one transaction with its audit
 * entry. Everything is checked first: bad text, a file that is not really a PNG (or a JPEG for
 * the logo), an image pdf-lib cannot read or one that would make the attestations too heavy is
 * refused (400, in French) and nothing is written.
 */
export async function updateOrganisation(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; signature: ImageChange; logo: ImageChange } & Omit<OrganisationFields, 'registrationNumber'> & {
      registrationNumber?: string | null | undefined;
    },
): Promise<OrganisationOutcome> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  const parsed = organisationFields.safeParse({ ...input, registrationNumber: input.registrationNumber ?? undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, status: 400, message: issue.message, field: issue.path[0] as OrganisationField };
  }
  const text = parsed.data;

  // Each new image checked, then read by pdf-lib as the documents will read it.
  const uploads: Partial<Record<OrganisationImage, { bytes: Uint8Array; facts: ImageFacts }>> = {};
  for (const [which, label, allowed] of [
    ['signature', 'Signature', ['image/png']],
    ['logo', 'Logo', ['image/png', 'image/jpeg']],
  ] as const) {
    const change = input[which];
    if (change.action !== 'replace') continue;
    const checked = checkImage(label, change.bytes, allowed);
    if (!checked.ok) return { ok: false, status: 400, message: checked.message, field: which };
    try {
      await prepareImage(checked.bytes, checked.facts.type);
    } catch {
      return { ok: false, status: 400, message: `${label} : cette image n’a pas pu être lue (fichier abîmé ?). Enregistrez-la de nouveau.`, field: which };
    }
    uploads[which] = checked;
  }

  const current = toOrganisation(await settingsRow(ctx.db));
  const next: Organisation = {
    ...text,
    registrationNumber: text.registrationNumber ?? null,
    signaturePng: uploads.signature ? uploads.signature.bytes : input.signature.action === 'remove' ? null : current.signaturePng,
    logo: uploads.logo ? { bytes: uploads.logo.bytes, mediaType: uploads.logo.facts.type } : input.logo.action === 'remove' ? null : current.logo,
  };
  const replaced = (['signature', 'logo'] as const).filter((which) => uploads[which]);
  if (replaced.length > 0) {
    // The weight of an attestation with these images, measured on the specimen.
    const weight = (await renderSpecimenPdf(next, { now: ctx.now(), publicUrl: ctx.publicUrl })).length;
    if (weight > ATTESTATION_MAX_BYTES) {
      const which = replaced.length === 1 ? (replaced[0] === 'logo' ? 'le logo' : 'la signature') : 'les images';
      return {
        ok: false,
        status: 400,
        message: `Avec ${replaced.length === 1 ? 'cette image' : 'ces images'}, chaque attestation pèserait ${kilobytes(weight)} (${kilobytes(ATTESTATION_MAX_BYTES)} au plus) : enregistrez ${which} en plus petit (600 × 300 pixels suffisent)${replaced.includes('logo') ? ', ou le logo en JPEG' : ''}.`,
        field: replaced.length === 1 ? replaced[0] : 'logo',
      };
    }
  }

  return ctx.db.transaction().execute(async (trx) => {
    const before = toOrganisation(await trx.selectFrom('organisation_settings').selectAll().forUpdate().executeTakeFirstOrThrow());
    // An image kept is the one on record now (another coordinator may have just replaced it).
    const after: Organisation = {
      ...next,
      signaturePng: input.signature.action === 'keep' ? before.signaturePng : next.signaturePng,
      logo: input.logo.action === 'keep' ? before.logo : next.logo,
    };
    const changes: Partial<Record<OrganisationField, unknown>> = {};
    for (const key of ['name', 'address', 'registrationNumber', 'representativeName', 'representativeTitle'] as const)
      if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
    const imageChange = (was: Uint8Array | null, now: Uint8Array | null) =>
      sameBytes(was, now) || (!was && !now) ? null : now ? { action: was ? 'replaced' : 'added', ...imageFacts(now), bytes: now.length, sha256: sha256(now) } : { action: 'removed' };
    const signature = imageChange(before.signaturePng, after.signaturePng);
    if (signature) changes.signature = signature;
    const logo = imageChange(before.logo?.bytes ?? null, after.logo?.bytes ?? null);
    if (logo) changes.logo = logo;
    const changed = Object.keys(changes) as OrganisationField[];
    if (changed.length === 0) return { ok: true, changed } as const;

    await trx
      .updateTable('organisation_settings')
      .set({
        name: after.name,
        address: after.address,
        registration_number: after.registrationNumber,
        representative_name: after.representativeName,
        representative_title: after.representativeTitle,
        signature_png: after.signaturePng,
        logo_image: after.logo?.bytes ?? null,
        logo_media_type: after.logo?.mediaType ?? null,
        updated_at: ctx.now(),
        updated_by: input.actorId,
      })
      .where('id', '=', true)
      .execute();
    await recordAudit(trx, { actorId: input.actorId, action: 'organisation.updated', details: { changed, changes } });
    return { ok: true, changed } as const;
  });
}
