import type { PDFDocument } from 'pdf-lib';

/**
 * The properties every PDF of the platform carries (shown by readers and search tools): title,
 * author (the organisation), subject, French as language, ESPER Parcours as creator and producer.
 * Its dates are given, not taken from the clock: the same document always gives the same bytes.
 */
export function describePdf(doc: PDFDocument, info: { title: string; author: string; subject: string; date: Date }): void {
  doc.setTitle(info.title, { showInWindowTitleBar: true });
  doc.setAuthor(info.author);
  doc.setSubject(info.subject);
  doc.setLanguage('fr-FR');
  doc.setCreator('ESPER Parcours');
  doc.setProducer('ESPER Parcours');
  doc.setCreationDate(info.date);
  doc.setModificationDate(info.date);
}
