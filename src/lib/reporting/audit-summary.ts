import type { AttestationKind, SurveyPhase } from '../db/schema.ts';
import { ATTESTATION_KIND_LABELS } from '../attestations/kinds.ts';
import { halfDayLabel, halfDayTimes } from '../attendance/sheet-labels.ts';
import { PHASE_LABELS } from '../surveys/questions.ts';
import { responseSentence } from '../surveys/aggregate.ts';
import { frenchDateTime, frenchLongDate, frenchShortDate } from '../time.ts';

/**
 * The contents list of a session's audit pack (« 0-sommaire.txt »), as a pure function of the
 * facts the pack gathered: the session, each file with what it proves, « chaque étape » as the
 * database recorded it, and each file's SHA-256 in the format `sha256sum -c` reads. Plain text,
 * so that an auditor can copy a hash and check it with the tools of any computer. It names staff
 * (who created the session, who countersigned) but no participant: their names are only on the
 * attendance sheet and the attestations (and, slugged, in the attestations' file names).
 */

export const SUMMARY_NAME = '0-sommaire.txt';

export interface AuditHalfDay {
  startsAt: Date;
  endsAt: Date;
  openedAt: Date | null;
  closedAt: Date | null;
  /** The trainer who closed (countersigned) it. */
  closedBy: string | null;
  /** Present or late, from the current records. */
  attended: number;
  /** People on the sheet. */
  listed: number;
}

export interface AuditSurveyPhase {
  phase: SurveyPhase;
  opened: boolean;
  opensAt: Date | null;
  /** As the results page counts them. */
  answers: number;
  invited: number;
  responseRate: number | null;
  /** Invitations sent by email, and when the first and last went. */
  emailed: number;
  firstEmailedAt: Date | null;
  lastEmailedAt: Date | null;
}

export interface AuditFile {
  name: string;
  /** What the file is and what it proves, in French. */
  purpose: string;
  sha256: string;
}

export interface AuditFacts {
  organisation: { name: string; registrationNumber: string | null };
  sessionId: string;
  title: string;
  place: string;
  generatedAt: Date;
  createdAt: Date;
  createdBy: string | null;
  cancelledAt: Date | null;
  capacity: number;
  enrolments: { enrolled: number; waitlisted: number; cancelled: number };
  halfDays: AuditHalfDay[];
  /** Every half-day closed: the session took place, its surveys may open. */
  finished: boolean;
  /** The valid attestations, per kind: how many, and the Paris days they were issued on. */
  attestations: { kind: AttestationKind; count: number; issuedOn: Date[] }[];
  /** Revoked or superseded attestations of the session, left out of the pack. */
  attestationsLeftOut: number;
  surveys: AuditSurveyPhase[];
  /** The files of the pack but this one, in their order. */
  files: AuditFile[];
}

const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n > 1 ? words : word}`;
const underline = (title: string, char = '='): string => `${title}\n${char.repeat(title.length)}`;

/** « le 03/12/2026 », « le 03/12/2026 et le 05/12/2026 », « du 03/12/2026 au 09/12/2026 (4 jours) ». */
export function dayList(dates: readonly Date[]): string {
  const days = [...new Set([...dates].sort((a, b) => a.getTime() - b.getTime()).map(frenchShortDate))];
  if (days.length === 0) return '';
  if (days.length === 1) return `le ${days[0]}`;
  if (days.length === 2) return `le ${days[0]} et le ${days[1]}`;
  return `du ${days[0]} au ${days.at(-1)} (${days.length} jours différents)`;
}

/** What an attestation in the pack is, and whether its bytes are those recorded when it was issued. */
export function attestationPurpose(a: { kind: AttestationKind; number: string; issuedAt: Date; recordedSha256: string; sha256: string }): string {
  const check =
    a.recordedSha256 === a.sha256
      ? 'Empreinte identique à celle enregistrée à sa délivrance ; vérifiable en ligne par son QR code.'
      : `ATTENTION : son empreinte diffère de celle enregistrée à sa délivrance (${a.recordedSha256}).`;
  // « Certificat » is the one masculine kind.
  const issued = a.kind === 'completion_certificate' ? 'délivré' : 'délivrée';
  return `${ATTESTATION_KIND_LABELS[a.kind]} n° ${a.number}, ${issued} le ${frenchDateTime(a.issuedAt)}. Prouve la remise de l’attestation. ${check}`;
}

function halfDayLine(h: AuditHalfDay): string {
  const what = `${halfDayLabel(h)}, ${halfDayTimes(h)} : `;
  const opened = h.openedAt ? `émargement ouvert le ${frenchDateTime(h.openedAt)}` : 'émargement jamais ouvert';
  if (!h.closedAt) return `${what}${opened} ; non clôturée, donc pas encore contre-signée par le formateur.`;
  const by = h.closedBy ? ` par ${h.closedBy}` : '';
  return `${what}${opened} ; clôturée et contre-signée le ${frenchDateTime(h.closedAt)}${by} ; ${h.attended} présent·e${h.attended > 1 ? 's' : ''} sur ${h.listed}.`;
}

function surveyLine(s: AuditSurveyPhase): string {
  const name = `Questionnaire ${PHASE_LABELS[s.phase].toLowerCase()}`;
  if (!s.opened) return `${name} : pas encore ouvert ; il s’ouvre le ${s.opensAt ? frenchLongDate(s.opensAt) : '–'}, trois mois après la séance.`;
  const sent =
    s.emailed > 0 && s.firstEmailedAt && s.lastEmailedAt
      ? `${plural(s.emailed, 'invitation envoyée', 'invitations envoyées')} par courriel ${dayList([s.firstEmailedAt, s.lastEmailedAt])}`
      : 'aucune invitation envoyée par courriel à ce jour (le questionnaire est aussi proposé sur « Mes séances »)';
  const none = s.answers === 0 ? ' Aucune réponse à ce jour : 4-satisfaction.pdf le dit.' : '';
  return `${name} : ${sent} ; ${responseSentence(s)}${none}`;
}

/** « Chaque étape », in the order they happen. */
export function auditTimeline(f: AuditFacts): string[] {
  const steps: string[] = [`Séance créée le ${frenchDateTime(f.createdAt)}${f.createdBy ? ` par ${f.createdBy}` : ''}.`];
  if (f.cancelledAt) steps.push(`Séance annulée le ${frenchDateTime(f.cancelledAt)}.`);
  const others = [
    f.enrolments.waitlisted ? `${f.enrolments.waitlisted} sur liste d’attente` : '',
    f.enrolments.cancelled ? plural(f.enrolments.cancelled, 'inscription annulée ou retirée', 'inscriptions annulées ou retirées') : '',
  ].filter(Boolean);
  steps.push(
    `Inscriptions : ${plural(f.enrolments.enrolled, 'personne inscrite', 'personnes inscrites')} pour ${plural(f.capacity, 'place')}${others.length ? ` ; ${others.join(' ; ')}` : ''}.`,
  );
  if (f.halfDays.length === 0) steps.push('Demi-journées : aucune n’est planifiée.');
  for (const h of f.halfDays) steps.push(halfDayLine(h));
  const issued = f.attestations.reduce((sum, a) => sum + a.count, 0);
  if (issued === 0) steps.push('Attestations : aucune attestation délivrée pour cette séance à ce jour ; le dossier n’en contient donc pas.');
  else {
    const kinds = f.attestations.filter((a) => a.count > 0).map((a) => `${ATTESTATION_KIND_LABELS[a.kind]} : ${a.count}, ${dayList(a.issuedOn)}`);
    steps.push(`Attestations : ${plural(issued, 'attestation valide délivrée', 'attestations valides délivrées')}, toutes dans le dossier (${kinds.join(' ; ')}).`);
  }
  if (f.attestationsLeftOut > 0)
    steps.push(`${plural(f.attestationsLeftOut, 'attestation révoquée ou remplacée', 'attestations révoquées ou remplacées')} par une nouvelle version : hors du dossier.`);
  if (!f.finished || f.surveys.length === 0) steps.push('Questionnaires de satisfaction : pas encore ouverts (ils s’ouvrent quand toutes les demi-journées sont closes).');
  else for (const s of f.surveys) steps.push(surveyLine(s));
  return steps;
}

/** The whole sommaire, as UTF-8 text with line feeds. */
export function auditSummaryText(f: AuditFacts): string {
  const first = f.halfDays[0];
  const last = f.halfDays.at(-1);
  const dates = first && last ? (frenchShortDate(first.startsAt) === frenchShortDate(last.endsAt) ? `le ${frenchLongDate(first.startsAt)}` : `du ${frenchLongDate(first.startsAt)} au ${frenchLongDate(last.endsAt)}`) : 'sans demi-journée planifiée';
  const lines = [
    underline('Dossier d’audit d’une séance de formation'),
    '',
    `Organisme : ${f.organisation.name}${f.organisation.registrationNumber ? ` (déclaration d’activité n° ${f.organisation.registrationNumber})` : ''}`,
    `Formation : ${f.title}`,
    `Séance : ${dates}, ${f.place}`,
    `Identifiant de la séance : ${f.sessionId}`,
    `Dossier généré le ${frenchDateTime(f.generatedAt)} (heure de Paris) par ESPER Parcours, à partir de sa base de données.`,
    '',
    underline('Contenu du dossier', '-'),
    '',
    SUMMARY_NAME,
    '    Ce sommaire : le contenu du dossier, chaque étape de la séance telle que la plateforme l’a enregistrée, et l’empreinte de chaque fichier.',
    '',
    ...f.files.flatMap((file) => [file.name, `    ${file.purpose}`, '']),
    underline('Chaque étape', '-'),
    '',
    ...auditTimeline(f).map((step) => `- ${step}`),
    '',
    underline('Empreintes SHA-256', '-'),
    '',
    'Chaque ligne ci-dessous donne l’empreinte SHA-256 d’un fichier du dossier. Pour vérifier qu’aucun n’a été modifié, recalculez-les :',
    '« sha256sum -c » avec ces lignes (Linux), « shasum -a 256 -c » (macOS), « Get-FileHash » (Windows PowerShell).',
    'Ce sommaire ne peut pas contenir sa propre empreinte.',
    '',
    ...f.files.map((file) => `${file.sha256}  ${file.name}`),
    '',
  ];
  return lines.join('\n');
}
