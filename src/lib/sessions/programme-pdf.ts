import type { Organisation } from '../attestations/organisation.ts';
import { halfDayLabel, halfDayTimes } from '../attendance/sheet-labels.ts';
import { slotHours } from '../attendance/hours.ts';
import { renderFlowPdf, type FlowBlock } from '../pdf/flow.ts';
import { frenchDateTime, frenchHours, frenchLongDate, frenchPercent } from '../time.ts';
import { AUDIENCE_LABELS, PRACTICE_KIND_LABELS, topicLabel, type Training } from './trainings.ts';

/**
 * The programme of a session as a PDF, written from the database: what the training is (public,
 * theme, duration, presentation, objectives, the online module), and how this session runs it
 * (place, half-days in Paris time, trainers, seats). The document a funder or a Qualiopi auditor
 * asks for first; the audit pack puts it at the top.
 */
export interface ProgrammeData {
  organisation: Organisation;
  training: Training;
  /** The linked module's address on the platform, when the training has one. */
  module: { id: string; url: string } | null;
  place: string;
  capacity: number;
  cancelledAt: Date | null;
  slots: { startsAt: Date; endsAt: Date }[];
  trainers: string[];
  generatedAt: Date;
}

const plural = (n: number, word: string, words = `${word}s`): string => `${n} ${n > 1 ? words : word}`;

/** « du lundi 30 novembre 2026 au mardi 1 décembre 2026 », « le lundi 30 novembre 2026 », or « à planifier ». */
export function sessionDates(slots: readonly { startsAt: Date; endsAt: Date }[]): string {
  const first = slots[0];
  const last = slots.at(-1);
  if (!first || !last) return 'à planifier';
  const [from, to] = [frenchLongDate(first.startsAt), frenchLongDate(last.endsAt)];
  return from === to ? `le ${from}` : `du ${from} au ${to}`;
}

/** What the programme says, in order: plain data, drawn by renderFlowPdf. */
export function programmeBlocks(p: ProgrammeData): FlowBlock[] {
  const planned = p.slots.reduce((sum, s) => sum + slotHours(s), 0);
  const fields: [string, string][] = [
    ['Public', AUDIENCE_LABELS[p.training.audience]],
    ['Thème', topicLabel(p.training.topic)],
    ['Durée', `${frenchHours(p.training.durationHours)}${p.slots.length ? `, en ${plural(p.slots.length, 'demi-journée')} (${frenchHours(planned)} planifiées)` : ''}`],
    ['Dates', sessionDates(p.slots)],
    ['Lieu', p.place || 'non renseigné'],
    [p.trainers.length > 1 ? 'Formateur·rices' : 'Formateur·rice', p.trainers.length ? p.trainers.join(', ') : 'non renseigné'],
    ['Capacité', plural(p.capacity, 'place')],
    ['Assiduité attendue', `${frenchPercent(p.training.attendanceThreshold)} des heures, pour l’attestation de fin de formation`],
  ];
  if (p.training.practiceKind) fields.push(['Type de séances', PRACTICE_KIND_LABELS[p.training.practiceKind]]);
  const blocks: FlowBlock[] = [];
  if (p.cancelledAt) blocks.push({ kind: 'paragraph', text: `Séance annulée le ${frenchDateTime(p.cancelledAt)}.`, bold: true });
  blocks.push(
    { kind: 'fields', rows: fields },
    { kind: 'heading', text: 'Présentation' },
    { kind: 'paragraph', text: p.training.summary },
    { kind: 'heading', text: 'Objectifs pédagogiques' },
    p.training.objectives.length ? { kind: 'list', items: p.training.objectives } : { kind: 'paragraph', text: 'Aucun objectif renseigné.', muted: true },
  );
  if (p.module)
    blocks.push(
      { kind: 'heading', text: 'Module en ligne associé' },
      { kind: 'paragraph', text: `Le module « ${p.module.id} » accompagne la formation sur la plateforme : ${p.module.url}` },
    );
  blocks.push({ kind: 'heading', text: `Déroulé : ${plural(p.slots.length, 'demi-journée')}` });
  if (p.slots.length === 0) blocks.push({ kind: 'paragraph', text: 'Aucune demi-journée n’est encore planifiée.', muted: true });
  else
    blocks.push(
      {
        kind: 'table',
        columns: [
          { title: 'Demi-journée', share: 3 },
          { title: 'Horaires', share: 2 },
          { title: 'Durée', share: 1, right: true },
        ],
        rows: p.slots.map((s) => [halfDayLabel(s), halfDayTimes(s), frenchHours(slotHours(s))]),
      },
      { kind: 'paragraph', text: 'Horaires à l’heure de Paris.', muted: true },
    );
  return blocks;
}

export function renderProgrammePdf(p: ProgrammeData): Promise<Uint8Array> {
  return renderFlowPdf({
    organisation: p.organisation,
    title: 'Programme de formation',
    subtitle: p.training.title,
    subject: `Programme de la formation « ${p.training.title} », ${sessionDates(p.slots)}`,
    blocks: programmeBlocks(p),
    footer: `Programme établi le ${frenchDateTime(p.generatedAt)} par ESPER Parcours, d’après les données de la formation et de la séance.`,
    createdAt: p.generatedAt,
  });
}
