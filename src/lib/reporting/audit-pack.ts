import { createHash } from 'node:crypto';
import { ZipFile } from 'yazl';
import type { AppContext } from '../context.ts';
import type { AttestationKind, SurveyPhase } from '../db/schema.ts';
import { isUuid } from '../ids.ts';
import { attestationEntryName, validSessionAttestations } from '../attestations/archive.ts';
import { organisation } from '../attestations/organisation.ts';
import { attendanceSheet } from '../attendance/sheet.ts';
import { renderSheetPdf } from '../attendance/sheet-pdf.ts';
import { renderProgrammePdf } from '../sessions/programme-pdf.ts';
import { sessionOverview } from '../sessions/training-sessions.ts';
import { slugify } from '../sessions/trainings.ts';
import { sessionSatisfaction } from '../surveys/results.ts';
import { renderSatisfactionPdf } from '../surveys/results-pdf.ts';
import { parisDay } from '../time.ts';
import { SUMMARY_NAME, attestationPurpose, auditSummaryText, type AuditFile } from './audit-summary.ts';

/**
 * The audit pack of a session, for a quality audit (Qualiopi): one ZIP with the evidence that
 * each step happened, every file produced from the database at the time of the request.
 *
 * - `0-sommaire.txt`: the contents, « chaque étape » with its dates, and each file's SHA-256;
 * - `1-programme.pdf`: the programme (src/lib/sessions/programme-pdf.ts);
 * - `2-feuille-emargement.pdf`: the attendance sheet, the same PDF as its own download;
 * - `3-attestations/<kind>/<number>-<name>.pdf`: the valid attestations, their bytes as issued
 *   (the same selection as the attestations' ZIP); no folder when none was issued;
 * - `4-satisfaction.pdf`: the survey results as the session's page shows them, always present:
 *   with no answer yet, it says so (an invitation sent and no answer is evidence too).
 *
 * A step that has not happened is said in the sommaire. Files are produced one at a time, with
 * the event loop given back between them, and `progress` hears after each.
 */

export const PROGRAMME_NAME = '1-programme.pdf';
export const SHEET_NAME = '2-feuille-emargement.pdf';
export const ATTESTATIONS_FOLDER = '3-attestations';
export const SATISFACTION_NAME = '4-satisfaction.pdf';

const PROGRAMME_PURPOSE =
  'Le programme de la séance (public, thème, durée, présentation, objectifs, lieu, demi-journées, formateur·rices, capacité), tel qu’enregistré sur la plateforme. Prouve que l’action a été définie et annoncée.';
const SHEET_PURPOSE =
  'La feuille d’émargement : pour chaque demi-journée, la présence de chaque participant·e (signature électronique horodatée ou présence notée par le formateur), la contre-signature du formateur, puis les heures suivies par personne. Prouve la réalisation de l’action et l’assiduité.';
const SATISFACTION_PURPOSE =
  'Les résultats des questionnaires de satisfaction « à chaud » et « à froid », taux de réponse compris ; anonymes, les chiffres d’un questionnaire n’apparaissent qu’à partir de trois réponses. Prouve le recueil de l’appréciation des participant·es.';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** Gives the event loop back, so that requests are served between two files. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function sessionAuditPack(
  ctx: AppContext,
  sessionId: string,
  progress: (done: number, total: number) => Promise<void>,
): Promise<{ filename: string; bytes: Uint8Array; entries: string[] } | undefined> {
  if (!isUuid(sessionId)) return undefined;
  const session = await sessionOverview(ctx.db, sessionId);
  if (!session) return undefined;
  const generatedAt = ctx.now();
  const [org, attestations, facts] = await Promise.all([organisation(ctx.db), validSessionAttestations(ctx.db, sessionId), gatherFacts(ctx, sessionId)]);

  const files: { name: string; bytes: Uint8Array; purpose: string; mtime: Date }[] = [];
  // The sommaire comes last (it holds the others' hashes), but counts as a file.
  const total = attestations.length + 4;
  const produced = async (file: (typeof files)[number]): Promise<void> => {
    files.push(file);
    await progress(files.length, total);
    await breathe();
  };

  await produced({
    name: PROGRAMME_NAME,
    bytes: await renderProgrammePdf({
      organisation: org,
      training: session.training,
      module: session.training.moduleId ? { id: session.training.moduleId, url: `${ctx.publicUrl}/modules/${session.training.moduleId}` } : null,
      place: session.place,
      capacity: session.capacity,
      cancelledAt: session.cancelledAt,
      slots: session.slots,
      trainers: session.trainers.map((t) => t.name),
      generatedAt,
    }),
    purpose: PROGRAMME_PURPOSE,
    mtime: generatedAt,
  });

  // The same data and renderer as the sheet's own download (src/pages/formation/seances/[id]/feuille-pdf.ts).
  const sheet = (await attendanceSheet(ctx.db, sessionId, generatedAt))!;
  await produced({ name: SHEET_NAME, bytes: await renderSheetPdf(sheet), purpose: SHEET_PURPOSE, mtime: generatedAt });

  for (const a of attestations) {
    const bytes = Uint8Array.from(a.pdf);
    await produced({
      name: `${ATTESTATIONS_FOLDER}/${attestationEntryName(a)}`,
      bytes,
      purpose: attestationPurpose({ kind: a.kind, number: a.number, issuedAt: a.issued_at, recordedSha256: a.pdf_sha256, sha256: sha256(bytes) }),
      mtime: a.issued_at,
    });
  }

  const satisfaction = (await sessionSatisfaction(ctx.db, sessionId, generatedAt))!;
  await produced({
    name: SATISFACTION_NAME,
    bytes: await renderSatisfactionPdf(satisfaction, { organisation: org, generatedAt }),
    purpose: SATISFACTION_PURPOSE,
    mtime: generatedAt,
  });

  const listed: AuditFile[] = files.map((f) => ({ name: f.name, purpose: f.purpose, sha256: sha256(f.bytes) }));
  const byKind = new Map<AttestationKind, Date[]>();
  for (const a of attestations) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), a.issued_at]);
  const summary = auditSummaryText({
    organisation: { name: org.name, registrationNumber: org.registrationNumber },
    sessionId,
    title: session.training.title,
    place: session.place,
    generatedAt,
    createdAt: facts.createdAt,
    createdBy: facts.createdBy,
    cancelledAt: session.cancelledAt,
    capacity: session.capacity,
    enrolments: facts.enrolments,
    halfDays: sheet.slots.map((slot, i) => ({
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      openedAt: session.slots.find((s) => s.id === slot.id)?.openedAt ?? null,
      closedAt: slot.countersignedAt,
      closedBy: slot.countersignedBy,
      attended: sheet.participants.filter((p) => p.cells[i]?.status === 'present' || p.cells[i]?.status === 'late').length,
      listed: sheet.participants.length,
    })),
    finished: satisfaction.finished,
    attestations: [...byKind].map(([kind, issuedOn]) => ({ kind, count: issuedOn.length, issuedOn })),
    attestationsLeftOut: facts.attestationsLeftOut,
    surveys: satisfaction.phases.map((p) => {
      const sent = facts.invitations.get(p.phase);
      return {
        phase: p.phase,
        opened: p.opened,
        opensAt: p.opensAt,
        answers: p.result.answers,
        invited: p.result.invited,
        responseRate: p.result.responseRate,
        emailed: sent?.emailed ?? 0,
        firstEmailedAt: sent?.first ?? null,
        lastEmailedAt: sent?.last ?? null,
      };
    }),
    files: listed,
  });
  files.unshift({ name: SUMMARY_NAME, bytes: Buffer.from(summary, 'utf8'), purpose: '', mtime: generatedAt });
  await progress(total, total);

  const zip = new ZipFile();
  // PDFs are compressed already; the text is not.
  for (const f of files) zip.addBuffer(Buffer.from(f.bytes), f.name, { mtime: f.mtime, compress: !f.name.endsWith('.pdf') });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  const firstDay = session.startsAt ? parisDay(session.startsAt) : 'sans-date';
  return {
    filename: `dossier-audit-${slugify(session.training.title).slice(0, 50).replace(/-+$/, '')}-${firstDay}.zip`,
    bytes: new Uint8Array(Buffer.concat(chunks)),
    entries: files.map((f) => f.name),
  };
}

/** What the overview and the sheet do not say: who created the session, enrolments, attestations left out, invitations sent. */
async function gatherFacts(ctx: AppContext, sessionId: string) {
  const [created, enrolments, leftOut, invitations] = await Promise.all([
    ctx.db
      .selectFrom('training_session as s')
      .leftJoin('person as p', 'p.id', 's.created_by')
      .select(['s.created_at', 'p.given_name', 'p.family_name'])
      .where('s.id', '=', sessionId)
      .executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom('enrolment')
      .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
      .where('session_id', '=', sessionId)
      .groupBy('status')
      .execute(),
    ctx.db
      .selectFrom('attestation')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('session_id', '=', sessionId)
      .where((eb) => eb.or([eb('superseded_at', 'is not', null), eb('revoked_at', 'is not', null)]))
      .executeTakeFirstOrThrow(),
    ctx.db
      .selectFrom('survey_participant')
      .select((eb) => ['phase', eb.fn.count<number>('emailed_at').as('emailed'), eb.fn.min('emailed_at').as('first'), eb.fn.max('emailed_at').as('last')])
      .where('session_id', '=', sessionId)
      .groupBy('phase')
      .execute(),
  ]);
  const count = (...statuses: string[]) => enrolments.filter((e) => statuses.includes(e.status)).reduce((sum, e) => sum + Number(e.count), 0);
  return {
    createdAt: created.created_at,
    createdBy: created.given_name ? `${created.given_name} ${created.family_name}` : null,
    enrolments: { enrolled: count('enrolled'), waitlisted: count('waitlisted'), cancelled: count('cancelled', 'removed') },
    attestationsLeftOut: Number(leftOut.count),
    invitations: new Map<SurveyPhase, { emailed: number; first: Date | null; last: Date | null }>(
      invitations.map((i) => [i.phase, { emailed: Number(i.emailed), first: i.first ? new Date(i.first as Date) : null, last: i.last ? new Date(i.last as Date) : null }]),
    ),
  };
}
