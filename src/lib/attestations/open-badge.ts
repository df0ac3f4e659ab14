import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { AttestationKind } from '../db/schema.ts';
import { frenchHours, frenchLongDate, frenchPercent, frenchShortDate } from '../time.ts';
import { ATTESTATION_KIND_LABELS } from './kinds.ts';
import { findAttestation, mayDownloadAttestation, type AttestationSummary } from './records.ts';
import { signCompactJws } from './signing-key.ts';
import { numericDate, revocationStatusList, STATUS_LIST_PATH, statusListIndex, wholeSecondsIso } from './status-list.ts';

/**
 * Each attestation as an Open Badges 3.0 credential (1EdTech, https://www.imsglobal.org/spec/ob/v3p0/),
 * secured as a VC-JWT (§8.2): the credential's members at the top of the JWT payload, with the
 * registered claims iss, jti, sub and nbf, signed EdDSA (Ed25519) with the platform's key.
 * The credential says what the attestation recorded when it was issued (name, title, dates,
 * hours, issuer), and no more personal data than its PDF: the holder is named, never their email.
 * Everything is derived from stored values, so the same attestation always gives the same badge.
 */

export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const OPEN_BADGES_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const ISSUER_PROFILE_PATH = '/openbadges/emetteur';

export const issuerId = (publicUrl: string): string => `${publicUrl}${ISSUER_PROFILE_PATH}`;

export interface IssuerProfile {
  id: string;
  type: ['Profile'];
  name: string;
  url: string;
}

/** Open Badges IdentityObject: the holder's name in clear, as the PDF prints it. */
interface IdentityObject {
  type: 'IdentityObject';
  identityType: 'name';
  hashed: false;
  identityHash: string;
}

export interface Achievement {
  id: string;
  type: ['Achievement'];
  achievementType: string;
  name: string;
  description: string;
  criteria: { narrative: string };
  creator: IssuerProfile;
}

export interface BitstringStatusListEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: 'revocation';
  statusListIndex: string;
  statusListCredential: string;
}

export interface OpenBadgeCredential {
  '@context': [typeof VC_CONTEXT, typeof OPEN_BADGES_CONTEXT];
  id: string;
  type: ['VerifiableCredential', 'OpenBadgeCredential'];
  name: string;
  description: string;
  issuer: IssuerProfile;
  validFrom: string;
  awardedDate: string;
  credentialSubject: {
    id: string;
    type: ['AchievementSubject'];
    identifier: IdentityObject[];
    achievement: Achievement;
    activityStartDate?: string;
    activityEndDate?: string;
  };
  credentialStatus: BitstringStatusListEntry;
}

/** The Open Badges achievement types closest to each document. */
const ACHIEVEMENT_TYPES: Record<AttestationKind, string> = {
  end_of_training: 'CertificateOfCompletion',
  completion_certificate: 'Certificate',
  attendance: 'Achievement',
  pathway_stage: 'LearningProgram',
};

/** The fragment naming each kind's achievement on the training's public page. */
const ACHIEVEMENT_FRAGMENTS: Record<AttestationKind, string> = {
  end_of_training: 'badge-fin-de-formation',
  completion_certificate: 'badge-certificat-de-realisation',
  attendance: 'badge-assiduite',
  pathway_stage: 'badge-etape-du-parcours',
};

/** What one must have done to receive each kind, as a trainee or an employer reads it. */
function criteriaNarrative(kind: AttestationKind, title: string, threshold: number | null): string {
  switch (kind) {
    case 'end_of_training':
      return `Avoir suivi la formation « ${title} » jusqu’à son terme, avec une assiduité d’au moins ${frenchPercent(threshold ?? 0.8)} des heures prévues, établie par les feuilles d’émargement signées à chaque demi-journée.`;
    case 'completion_certificate':
      return `Avoir suivi tout ou partie de l’action de formation « ${title} ». Le certificat de réalisation indique les heures réellement suivies, établies par les feuilles d’émargement signées à chaque demi-journée.`;
    case 'attendance':
      return `Avoir été présent·e à au moins une demi-journée de la formation « ${title} ». L’attestation indique les heures suivies et le taux d’assiduité, d’après les feuilles d’émargement.`;
    case 'pathway_stage':
      return `Avoir validé l’étape « ${title} » du parcours de professionnalisation des médiateurs et médiatrices de santé pairs.`;
  }
}

/**
 * A stable URN for a value that must not be shown as is: a UUIDv8 (RFC 9562) made of its
 * SHA-256. Used for the holder (the same for all their badges, without revealing the platform's
 * internal id) and for an achievement that has no public page.
 */
function derivedUrn(purpose: string, value: string): string {
  const bytes = createHash('sha256').update(`esper-parcours:${purpose}:${value}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The organisation's name as it is today (its images, which the PDFs need, are not read). */
async function currentName(db: Database): Promise<string> {
  return (await db.selectFrom('organisation_settings').select('name').executeTakeFirstOrThrow()).name;
}

/** The issuer as the credential names it: the name recorded on the attestation, or today's. */
async function issuerOf(db: Database, publicUrl: string, recordedName: string): Promise<IssuerProfile> {
  return { id: issuerId(publicUrl), type: ['Profile'], name: recordedName || (await currentName(db)), url: publicUrl };
}

/** The issuer's profile, published at its id (the organisation's current name). */
export async function issuerProfile(db: Database, publicUrl: string) {
  const name = await currentName(db);
  return {
    '@context': [VC_CONTEXT, OPEN_BADGES_CONTEXT],
    id: issuerId(publicUrl),
    type: ['Profile'],
    name,
    url: publicUrl,
    description: `Organisme de formation. ${name} délivre les attestations de la plateforme ESPER Parcours ; chacune se vérifie sur ${publicUrl}/verifier.`,
  };
}

function periodText(a: AttestationSummary): string {
  if (!a.startsAt || !a.endsAt) return '';
  return frenchShortDate(a.startsAt) === frenchShortDate(a.endsAt) ? `le ${frenchLongDate(a.startsAt)}` : `du ${frenchLongDate(a.startsAt)} au ${frenchLongDate(a.endsAt)}`;
}

/** The credential of an attestation (unsigned). Its status bit is drawn the first time. */
export async function openBadgeCredential(db: Database, attestation: AttestationSummary, publicUrl: string): Promise<OpenBadgeCredential> {
  const a = attestation;
  const training = a.sessionId
    ? await db
        .selectFrom('training_session as s')
        .innerJoin('training as t', 't.id', 's.training_id')
        .select(['t.slug', 't.attendance_threshold'])
        .where('s.id', '=', a.sessionId)
        .executeTakeFirst()
    : undefined;
  const issuer = await issuerOf(db, publicUrl, a.issuer);
  const label = ATTESTATION_KIND_LABELS[a.kind];
  const achievementId = training
    ? `${publicUrl}/formations/${training.slug}#${ACHIEVEMENT_FRAGMENTS[a.kind]}`
    : derivedUrn('realisation', `${a.kind}:${a.title}`);
  const index = await statusListIndex(db, a.id);
  const period = periodText(a);
  const facts = [
    `${label} n° ${a.number}`,
    period && `formation suivie ${period}${a.place ? ` (${a.place})` : ''}`,
    a.hoursAttended !== null && a.hoursPlanned !== null && `${frenchHours(a.hoursAttended)} suivies sur ${frenchHours(a.hoursPlanned)} prévues`,
  ].filter((fact): fact is string => !!fact);
  const listUrl = `${publicUrl}${STATUS_LIST_PATH}`;
  return {
    '@context': [VC_CONTEXT, OPEN_BADGES_CONTEXT],
    id: `urn:uuid:${a.id}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: `${label} : ${a.title}`,
    description: `${facts.join(' ; ')}. Émetteur : ${issuer.name}. Vérification : ${publicUrl}/verifier`,
    issuer,
    validFrom: wholeSecondsIso(a.issuedAt),
    awardedDate: wholeSecondsIso(a.issuedAt),
    credentialSubject: {
      id: derivedUrn('titulaire', a.personId),
      type: ['AchievementSubject'],
      identifier: [{ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: a.holderName }],
      achievement: {
        id: achievementId,
        type: ['Achievement'],
        achievementType: ACHIEVEMENT_TYPES[a.kind],
        name: `${label} : ${a.title}`,
        description:
          a.kind === 'pathway_stage'
            ? `Étape « ${a.title} » du parcours de professionnalisation des médiateurs et médiatrices de santé pairs, proposé par ${issuer.name}.`
            : `Formation « ${a.title} », en présentiel, dispensée par ${issuer.name}.`,
        criteria: { narrative: criteriaNarrative(a.kind, a.title, training ? Number(training.attendance_threshold) : null) },
        creator: issuer,
      },
      ...(a.startsAt && { activityStartDate: wholeSecondsIso(a.startsAt) }),
      ...(a.endsAt && { activityEndDate: wholeSecondsIso(a.endsAt) }),
    },
    credentialStatus: {
      id: `${listUrl}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: listUrl,
    },
  };
}

/** The VC-JWT of a credential: its members, then the registered claims §8.2 requires. */
export async function signedOpenBadge(db: Database, attestation: AttestationSummary, publicUrl: string): Promise<string> {
  const credential = await openBadgeCredential(db, attestation, publicUrl);
  return signCompactJws(db, publicUrl, 'JWT', {
    ...credential,
    iss: credential.issuer.id,
    jti: credential.id,
    sub: credential.credentialSubject.id,
    nbf: numericDate(attestation.issuedAt),
  });
}

/**
 * The badge of an attestation, for its holder and the coordination (the same rule as the PDF);
 * anyone else gets nothing, as if it did not exist.
 */
export async function openBadgeDownload(ctx: AppContext, id: string, viewer: { id: string; roles: readonly string[] }): Promise<{ jwt: string; number: string } | undefined> {
  const attestation = await findAttestation(ctx.db, id);
  if (!attestation || !mayDownloadAttestation(attestation.personId, viewer)) return undefined;
  return { jwt: await signedOpenBadge(ctx.db, attestation, ctx.publicUrl), number: attestation.number };
}

/** The revocation list as the public route serves it. */
export function openBadgeStatusList(ctx: AppContext) {
  return revocationStatusList(ctx.db, { publicUrl: ctx.publicUrl, issuerId: issuerId(ctx.publicUrl), now: ctx.now() });
}
