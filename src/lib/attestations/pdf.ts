import { createHash } from 'node:crypto';
import QRCode from 'qrcode';
import { PDFDocument, PDFObjectCopier, degrees, drawImage, popGraphicsState, pushGraphicsState, rgb, type PDFFont, type PDFPage, type PDFRef } from 'pdf-lib';
import type { AttestationKind } from '../db/schema.ts';
import { embedFrenchFonts } from '../pdf/fonts.ts';
import { frenchHours, frenchLongDate, frenchPercent, frenchShortDate } from '../time.ts';
import { ATTESTATION_KIND_LABELS } from './kinds.ts';
import type { ImageType } from '../pdf/images.ts';
import type { Organisation } from './organisation.ts';
import { describePdf } from '../pdf/document-info.ts';

/** What an attestation says; the same data is kept on record with it. */
export interface AttestationDocument {
  kind: AttestationKind;
  number: string;
  holderName: string;
  holderEmployer: string | null;
  title: string;
  place: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  hoursAttended: number;
  hoursPlanned: number;
  attendanceRate: number;
  issuedAt: Date;
  /** The verification link the QR code holds. */
  verifyUrl: string;
  organisation: Organisation;
  /** Set on a re-issue: the number it replaces. */
  replaces: string | null;
  /** A sample shown to the coordination: marked « SPÉCIMEN – sans valeur » across the page. */
  specimen?: boolean;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 56;
const WIDTH = A4.width - 2 * MARGIN;
const INK = rgb(0.1, 0.12, 0.14);
const MUTED = rgb(0.38, 0.41, 0.44);
const PRIMARY = rgb(0x0d / 255, 0x5c / 255, 0x63 / 255);
const ACCENT = rgb(0xb5 / 255, 0x43 / 255, 0x2c / 255);
/** The logo fits in this box, top right; the signature, under the representative's name. */
const LOGO_BOX = { width: 120, height: 60 };
const SIGNATURE_BOX = { width: 160, height: 60 };
export const SPECIMEN_MARK = 'SPÉCIMEN – sans valeur';

/**
 * The town of « Fait à … »: the one after a French postcode (« 13001 Marseille »), else the
 * address up to its first comma, bracket or line break (« Marseille (Provence-…) »).
 */
export function signingPlace(address: string): string {
  const town = /\b\d{5}[^\S\n]+(\p{L}[^\n,()]*)/u.exec(address)?.[1]?.replace(/\s+cedex\b.*$/i, '').trim();
  return town || address.split(/[,(\n]/)[0]!.trim();
}

/** The paragraphs of each kind, in the first person of the organisation's legal representative. */
function bodyOf(d: AttestationDocument): string[] {
  const o = d.organisation;
  const who = `${d.holderName}${d.holderEmployer ? `, de la structure ${d.holderEmployer}` : ''}`;
  const period =
    d.startsAt && d.endsAt
      ? frenchShortDate(d.startsAt) === frenchShortDate(d.endsAt)
        ? `le ${frenchLongDate(d.startsAt)}`
        : `du ${frenchLongDate(d.startsAt)} au ${frenchLongDate(d.endsAt)}`
      : '';
  const where = d.place ? ` (${d.place})` : '';
  switch (d.kind) {
    case 'completion_certificate':
      return [
        `Je soussigné·e, ${o.representativeName}, ${o.representativeTitle.toLowerCase()} et représentant·e légal·e de ${o.name}, organisme dispensateur de l’action concourant au développement des compétences, atteste que :`,
        `${who},`,
        `a suivi l’action « ${d.title} », de nature : action de formation, qui s’est déroulée ${period}${where}, pour une durée réellement suivie de ${frenchHours(d.hoursAttended)} sur ${frenchHours(d.hoursPlanned)} prévues.`,
        `Sans préjudice des délais fixés par les règles fiscales, comptables ou commerciales, je m’engage à conserver les pièces justificatives qui ont permis d’établir ce certificat (dont les feuilles d’émargement) pendant trois ans à compter de la fin de l’année du dernier paiement.`,
      ];
    case 'attendance':
      return [
        `${o.name} atteste que ${who} a été présent·e à la formation « ${d.title} », qui s’est déroulée ${period}${where}.`,
        `Heures suivies : ${frenchHours(d.hoursAttended)} sur ${frenchHours(d.hoursPlanned)}, soit une assiduité de ${frenchPercent(d.attendanceRate)}, d’après les feuilles d’émargement signées à chaque demi-journée.`,
      ];
    case 'pathway_stage':
      return [`${o.name} atteste que ${who} a validé l’étape « ${d.title} » du parcours de professionnalisation des médiateurs et médiatrices de santé pairs.`];
    default:
      return [
        `${o.name} atteste que ${who} a suivi jusqu’à son terme la formation « ${d.title} », qui s’est déroulée ${period}${where}.`,
        `Durée suivie : ${frenchHours(d.hoursAttended)} sur ${frenchHours(d.hoursPlanned)} (assiduité de ${frenchPercent(d.attendanceRate)}).`,
      ];
  }
}

/** Lines of text within a width; a line feed starts a new line (shared with the other A4 documents, src/lib/pdf/flow.ts). */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  // Without kerning (see embedFrenchFonts) a line is as wide as its words and spaces: each word
  // is measured once, rather than every candidate line.
  const space = font.widthOfTextAtSize(' ', size);
  const lines: string[] = [];
  for (const paragraph of text.normalize('NFC').split('\n')) {
    let line = '';
    let lineWidth = 0;
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const wordWidth = font.widthOfTextAtSize(word, size);
      if (!line) {
        line = word;
        lineWidth = wordWidth;
      } else if (lineWidth + space + wordWidth <= width) {
        line = `${line} ${word}`;
        lineWidth += space + wordWidth;
      } else {
        lines.push(line);
        line = word;
        lineWidth = wordWidth;
      }
    }
    lines.push(line);
  }
  return lines;
}

function paragraph(page: PDFPage, text: string, font: PDFFont, size: number, y: number, color = INK, width = WIDTH): number {
  for (const line of wrap(text, font, size, width)) {
    page.drawText(line, { x: MARGIN, y, size, font, color });
    y -= size * 1.45;
  }
  return y;
}

/**
 * The QR code, from the `qrcode` library's matrix, drawn as one vector path (sharp at any zoom):
 * each run of dark modules in a row is one rectangle, so the page holds a few hundred path
 * commands rather than as many separate shapes.
 */
function drawQr(page: PDFPage, url: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const quiet = 2;
  const cell = size / (modules.size + 2 * quiet);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  let path = '';
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; ) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      let end = col;
      while (end < modules.size && modules.get(row, end)) end++;
      path += `M${(col + quiet) * cell} ${(row + quiet) * cell}h${(end - col) * cell}v${cell}h${-(end - col) * cell}z`;
      col = end;
    }
  }
  // SVG paths run downwards from their origin: the origin is the square's top-left corner.
  page.drawSvgPath(path, { x, y: y + size, color: rgb(0, 0, 0) });
}

/** An image made ready for PDFs once: decoded and compressed in a document of its own. */
interface PreparedImage {
  source: PDFDocument;
  ref: PDFRef;
  width: number;
  height: number;
}

const prepared = new Map<string, Promise<PreparedImage>>();
const PREPARED_KEPT = 8;

/**
 * Decodes and compresses an image once per process (pdf-lib decodes a PNG and compresses its
 * pixels in JavaScript: 20 ms for a 600 × 300 logo, at every attestation of a bulk issue); each
 * document then copies the finished streams, in about a millisecond. Throws when pdf-lib cannot
 * read the image. Only images checked by checkImage (images.ts) come here: pdf-lib's PNG
 * decoder can loop forever on a malformed file.
 */
export function prepareImage(bytes: Uint8Array, type: ImageType): Promise<PreparedImage> {
  const key = `${type}:${createHash('sha256').update(bytes).digest('hex')}`;
  let found = prepared.get(key);
  if (!found) {
    found = (async () => {
      const source = await PDFDocument.create();
      // A copy of its own: pdf-lib reads a JPEG through its buffer from offset 0, and the
      // database driver hands out views into larger buffers.
      const own = Uint8Array.from(bytes);
      const image = type === 'image/png' ? await source.embedPng(own) : await source.embedJpg(own);
      await image.embed();
      return { source, ref: image.ref, width: image.width, height: image.height };
    })();
    found.catch(() => prepared.delete(key));
    prepared.set(key, found);
    // The settings change rarely: the few latest images are enough.
    for (const old of prepared.keys()) if (prepared.size > PREPARED_KEPT) prepared.delete(old);
  }
  return found;
}

/** Draws a prepared image scaled to fit its box (never enlarged), its top-left corner at (x, top); returns its size. */
export async function drawFitted(
  doc: PDFDocument,
  page: PDFPage,
  image: { bytes: Uint8Array; type: ImageType },
  box: { width: number; height: number },
  place: (width: number, height: number) => { x: number; top: number },
): Promise<{ width: number; height: number }> {
  const ready = await prepareImage(image.bytes, image.type);
  const ref = doc.context.register(PDFObjectCopier.for(ready.source.context, doc.context).copy(ready.source.context.lookup(ready.ref)!));
  const scale = Math.min(box.width / ready.width, box.height / ready.height, 1);
  const width = ready.width * scale;
  const height = ready.height * scale;
  const { x, top } = place(width, height);
  const name = page.node.newXObject('Image', ref);
  page.pushOperators(
    pushGraphicsState(),
    ...drawImage(name, { x, y: top - height, width, height, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }),
    popGraphicsState(),
  );
  return { width, height };
}

/** « SPÉCIMEN – sans valeur » across the page, over everything, translucent. */
function drawSpecimenMark(page: PDFPage, font: PDFFont): void {
  const angle = (Math.atan2(A4.height, A4.width) * 180) / Math.PI;
  const size = Math.min(60, (Math.hypot(A4.width, A4.height) * 0.75) / font.widthOfTextAtSize(SPECIMEN_MARK, 1));
  const width = font.widthOfTextAtSize(SPECIMEN_MARK, size);
  const rad = (angle * Math.PI) / 180;
  // The text's middle on the page's centre: start half its length back along the diagonal.
  const x = A4.width / 2 - (width / 2) * Math.cos(rad) + (size / 3) * Math.sin(rad);
  const y = A4.height / 2 - (width / 2) * Math.sin(rad) - (size / 3) * Math.cos(rad);
  page.drawText(SPECIMEN_MARK, { x, y, size, font, color: ACCENT, opacity: 0.28, rotate: degrees(angle) });
}

export async function renderAttestationPdf(d: AttestationDocument): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const { regular, bold } = await embedFrenchFonts(doc);
  const label = ATTESTATION_KIND_LABELS[d.kind];
  // Dated when issued: the same attestation always gives the same bytes, so its hash can be checked.
  describePdf(doc, { title: `${label} ${d.number}`, author: d.organisation.name, subject: `${label} – ${d.holderName} – ${d.title}`, date: d.issuedAt });
  const page = doc.addPage([A4.width, A4.height]);

  let y = A4.height - MARGIN;
  // The logo, top right, level with the top of the name; the header text wraps beside it.
  let headerWidth = WIDTH;
  let logoBottom = y;
  if (d.organisation.logo) {
    const top = y + 12;
    const logo = await drawFitted(doc, page, { bytes: d.organisation.logo.bytes, type: d.organisation.logo.mediaType }, LOGO_BOX, (width) => ({ x: A4.width - MARGIN - width, top }));
    headerWidth = WIDTH - logo.width - 16;
    logoBottom = top - logo.height;
  }
  wrap(d.organisation.name, bold, 16, headerWidth).forEach((line, i) => {
    if (i > 0) y -= 19;
    page.drawText(line, { x: MARGIN, y, size: 16, font: bold, color: PRIMARY });
  });
  y -= 16;
  y = paragraph(page, d.organisation.address, regular, 9, y, MUTED, headerWidth);
  if (d.organisation.registrationNumber) y = paragraph(page, `Déclaration d’activité n° ${d.organisation.registrationNumber}`, regular, 9, y, MUTED, headerWidth);
  y = Math.min(y, logoBottom);

  y -= 36;
  for (const line of wrap(label, bold, 22, WIDTH)) {
    page.drawText(line, { x: MARGIN, y, size: 22, font: bold, color: INK });
    y -= 28;
  }
  page.drawText(`N° ${d.number}`, { x: MARGIN, y, size: 11, font: bold, color: PRIMARY });
  y -= 14;
  if (d.replaces) y = paragraph(page, `Remplace l’attestation n° ${d.replaces}.`, regular, 9, y, MUTED);
  y -= 20;

  for (const text of bodyOf(d)) {
    y = paragraph(page, text, regular, 11, y);
    y -= 8;
  }

  y -= 16;
  y = paragraph(page, `Fait à ${signingPlace(d.organisation.address)}, le ${frenchLongDate(d.issuedAt)}.`, regular, 11, y);
  y -= 8;
  y = paragraph(page, `${d.organisation.representativeName}, ${d.organisation.representativeTitle.toLowerCase()}`, bold, 11, y);
  // The verification box, bottom of the page; the signature shrinks rather than run into it.
  const qrSize = 96;
  if (d.organisation.signaturePng) {
    const room = y - (MARGIN + qrSize + 12);
    const box = { width: SIGNATURE_BOX.width, height: Math.max(24, Math.min(SIGNATURE_BOX.height, room)) };
    await drawFitted(doc, page, { bytes: d.organisation.signaturePng, type: 'image/png' }, box, () => ({ x: MARGIN, top: y }));
  }

  drawQr(page, d.verifyUrl, A4.width - MARGIN - qrSize, MARGIN, qrSize);
  let vy = MARGIN + qrSize - 10;
  const textWidth = WIDTH - qrSize - 16;
  for (const line of [
    ...wrap('Pour vérifier que ce document est authentique et n’a pas été révoqué, scannez le QR code ou ouvrez :', regular, 8.5, textWidth),
    ...wrap(d.verifyUrl, regular, 8.5, textWidth),
    ...wrap(`Numéro : ${d.number}`, bold, 8.5, textWidth),
  ]) {
    page.drawText(line, { x: MARGIN, y: vy, size: 8.5, font: line.startsWith('Numéro') ? bold : regular, color: MUTED });
    vy -= 12;
  }
  if (d.specimen) drawSpecimenMark(page, bold);
  return doc.save();
}
