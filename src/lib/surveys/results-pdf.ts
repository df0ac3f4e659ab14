import type { FlowBlock, FlowIdentity } from '../pdf/flow.ts';
import { renderFlowPdf } from '../pdf/flow.ts';
import { frenchDateTime, frenchLongDate, frenchMediumDate } from '../time.ts';
import { frenchAverage, responseSentence, tooFewAnswers, type GroupResult } from './aggregate.ts';
import { PHASE_LABELS } from './questions.ts';
import type { SessionSatisfaction } from './results.ts';

/**
 * A session's survey results as a PDF, saying what the session's results page says
 * (src/pages/formation/seances/[id]/satisfaction.astro and SurveyResult.astro), in the same
 * words: counts and response rate always, the figures and comments from three answers only.
 * The input is `sessionSatisfaction`'s, which holds no person: nothing here can name anyone.
 */

const ANONYMITY = 'Les réponses sont anonymes : elles ne sont reliées à aucun nom, et les résultats d’un questionnaire s’affichent à partir de trois réponses.';

function phaseBlocks(result: GroupResult): FlowBlock[] {
  const blocks: FlowBlock[] = [{ kind: 'paragraph', text: responseSentence(result) }];
  if (!result.shown) return [...blocks, { kind: 'paragraph', text: tooFewAnswers(result.answers), muted: true }];
  blocks.push(
    { kind: 'paragraph', text: 'Moyenne de chaque question sur 5, et nombre de réponses pour chaque note, de 1 (le moins) à 5 (le plus) :', muted: true },
    {
      kind: 'table',
      columns: [
        { title: 'Question', share: 4 },
        { title: 'Moyenne', share: 1.6, right: true },
        ...[1, 2, 3, 4, 5].map((n) => ({ title: `Note ${n}`, share: 1, right: true })),
      ],
      rows: result.questions.map((q) => [q.short, frenchAverage(q.average), ...q.distribution.map(String)]),
    },
  );
  if (result.uses.length > 0) blocks.push({ kind: 'paragraph', text: 'Ce qui sert dans la pratique', bold: true }, { kind: 'list', items: result.uses.map((u) => `${u.label} : ${u.count} sur ${result.counted}`) });
  blocks.push({ kind: 'paragraph', text: `Commentaires (${result.comments.length})`, bold: true });
  if (result.comments.length === 0) blocks.push({ kind: 'paragraph', text: 'Aucun commentaire.' });
  else blocks.push({ kind: 'paragraph', text: 'Par ordre alphabétique, sans nom ni date.', muted: true }, { kind: 'list', items: result.comments });
  return blocks;
}

/** What the PDF says, in order: plain data, drawn by renderFlowPdf. */
export function satisfactionBlocks(results: SessionSatisfaction): FlowBlock[] {
  const blocks: FlowBlock[] = [
    { kind: 'paragraph', text: `Séance du ${frenchMediumDate(results.firstStartsAt)}, ${results.place}.` },
    { kind: 'paragraph', text: ANONYMITY },
  ];
  if (!results.finished) blocks.push({ kind: 'paragraph', text: 'Le questionnaire « à chaud » s’ouvre aux participant·es quand toutes les demi-journées sont closes.', bold: true });
  else
    for (const p of results.phases) {
      blocks.push({ kind: 'heading', text: `Questionnaire ${PHASE_LABELS[p.phase].toLowerCase()}` });
      if (p.opened) blocks.push(...phaseBlocks(p.result));
      else blocks.push({ kind: 'paragraph', text: `Il s’ouvre aux participant·es le ${p.opensAt ? frenchLongDate(p.opensAt) : '–'}, trois mois après la séance.` });
    }
  return blocks;
}

export function renderSatisfactionPdf(results: SessionSatisfaction, at: { organisation: FlowIdentity; generatedAt: Date }): Promise<Uint8Array> {
  return renderFlowPdf({
    organisation: at.organisation,
    title: 'Résultats des questionnaires de satisfaction',
    subtitle: results.title,
    subject: `Satisfaction : ${results.title}, séance du ${frenchMediumDate(results.firstStartsAt)}`,
    blocks: satisfactionBlocks(results),
    footer: `Résultats arrêtés le ${frenchDateTime(at.generatedAt)} par ESPER Parcours, tels que la page de la séance les montre.`,
    createdAt: at.generatedAt,
  });
}
