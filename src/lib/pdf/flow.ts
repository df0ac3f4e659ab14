import { PDFDocument, rgb, type Color, type PDFFont, type PDFPage } from 'pdf-lib';
import { drawFitted, wrap } from '../attestations/pdf.ts';
import type { ImageType } from './images.ts';
import { embedFrenchFonts } from './fonts.ts';
import { describePdf } from './document-info.ts';

/**
 * A4 documents that read top to bottom (the programme of a session, its survey results): the
 * organisation's header as the attestations print it (logo top right, name, address,
 * declaration number), a title, then headings, paragraphs, lists, labelled fields and tables,
 * broken across pages where they must; each page ends with a footer and its number. The
 * renderers describe their content as blocks (plain data, testable without a PDF) and this
 * draws them.
 */

export type FlowBlock =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string; muted?: boolean; bold?: boolean }
  | { kind: 'list'; items: string[] }
  /** Label and value side by side, the labels in a column. */
  | { kind: 'fields'; rows: [label: string, value: string][] }
  /** Column widths are shares of the page's width; a header row is repeated on each page. */
  | { kind: 'table'; columns: { title: string; share: number; right?: boolean }[]; rows: string[][] };

export interface FlowIdentity {
  name: string;
  address: string;
  registrationNumber: string | null;
  logo: { bytes: Uint8Array; mediaType: ImageType } | null;
}

export interface FlowDocument {
  organisation: FlowIdentity;
  /** The big title under the header, and the PDF's title. */
  title: string;
  /** Under the title, in the primary colour (e.g. the training's title). */
  subtitle?: string;
  subject: string;
  blocks: FlowBlock[];
  /** Printed at the bottom of every page, before « Page n / N ». */
  footer: string;
  /** The PDF's creation date. */
  createdAt: Date;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 50;
const WIDTH = A4.width - 2 * MARGIN;
const FOOTER_TOP = MARGIN - 14;
const INK = rgb(0.1, 0.12, 0.14);
const MUTED = rgb(0.38, 0.41, 0.44);
const PRIMARY = rgb(0x0d / 255, 0x5c / 255, 0x63 / 255);
const RULE = rgb(0.62, 0.66, 0.68);
const HEADER_FILL = rgb(0.9, 0.94, 0.94);
const LOGO_BOX = { width: 110, height: 55 };
const BODY = 10;
const PAD = 4;
const lineHeight = (size: number): number => size * 1.35;

/** Text typed in a form, drawable: no control characters (a tab or carriage return has no glyph). */
const drawable = (text: string): string => text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ');

/** A line still wider than the box (a long address typed in a comment) cut into pieces that fit. */
function cut(line: string, font: PDFFont, size: number, width: number): string[] {
  if (font.widthOfTextAtSize(line, size) <= width) return [line];
  const pieces: string[] = [];
  let piece = '';
  for (const char of line) {
    if (piece && font.widthOfTextAtSize(piece + char, size) > width) {
      pieces.push(piece);
      piece = '';
    }
    piece += char;
  }
  return [...pieces, piece];
}

class Writer {
  readonly doc: PDFDocument;
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  page: PDFPage;
  y: number;

  constructor(doc: PDFDocument, fonts: { regular: PDFFont; bold: PDFFont }) {
    this.doc = doc;
    this.regular = fonts.regular;
    this.bold = fonts.bold;
    this.page = doc.addPage([A4.width, A4.height]);
    this.y = A4.height - MARGIN;
  }

  lines(text: string, font: PDFFont, size: number, width: number): string[] {
    return wrap(drawable(text), font, size, width).flatMap((line) => cut(line, font, size, width));
  }

  /** Starts a new page unless `height` still fits above the footer. */
  room(height: number): void {
    if (this.y - height >= MARGIN) return;
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.y = A4.height - MARGIN;
  }

  text(line: string, x: number, size: number, font: PDFFont, color: Color): void {
    this.page.drawText(line, { x, y: this.y - size * 0.95, size, font, color });
  }

  /** Wrapped text, one line at a time, breaking pages between lines. */
  paragraph(text: string, options: { x?: number; width?: number; size?: number; font?: PDFFont; color?: Color } = {}): void {
    const { x = MARGIN, width = WIDTH, size = BODY, font = this.regular, color = INK } = options;
    for (const line of this.lines(text, font, size, width)) {
      this.room(lineHeight(size));
      this.text(line, x, size, font, color);
      this.y -= lineHeight(size);
    }
  }
}

async function drawHeader(w: Writer, d: FlowDocument): Promise<void> {
  const top = w.y;
  let width = WIDTH;
  let logoBottom = top;
  if (d.organisation.logo) {
    const logo = await drawFitted(w.doc, w.page, { bytes: d.organisation.logo.bytes, type: d.organisation.logo.mediaType }, LOGO_BOX, (logoWidth) => ({
      x: A4.width - MARGIN - logoWidth,
      top,
    }));
    width = WIDTH - logo.width - 16;
    logoBottom = top - logo.height;
  }
  w.paragraph(d.organisation.name, { width, size: 14, font: w.bold, color: PRIMARY });
  w.paragraph(d.organisation.address, { width, size: 8.5, color: MUTED });
  if (d.organisation.registrationNumber) w.paragraph(`Déclaration d’activité n° ${d.organisation.registrationNumber}`, { width, size: 8.5, color: MUTED });
  w.y = Math.min(w.y, logoBottom) - 22;
  w.paragraph(d.title, { size: 20, font: w.bold });
  if (d.subtitle) {
    w.y -= 2;
    w.paragraph(d.subtitle, { size: 13, font: w.bold, color: PRIMARY });
  }
  w.y -= 6;
  w.page.drawLine({ start: { x: MARGIN, y: w.y }, end: { x: A4.width - MARGIN, y: w.y }, thickness: 1, color: PRIMARY });
  w.y -= 8;
}

function drawFields(w: Writer, rows: [string, string][]): void {
  const labelWidth = Math.min(150, Math.max(...rows.map(([label]) => w.bold.widthOfTextAtSize(`${label} :`, BODY))) + 10);
  for (const [label, value] of rows) {
    const labels = w.lines(`${label} :`, w.bold, BODY, labelWidth - 10);
    const values = w.lines(value, w.regular, BODY, WIDTH - labelWidth);
    const count = Math.max(labels.length, values.length);
    // A field stays whole on its page unless it is longer than a page.
    w.room(Math.min(count, 20) * lineHeight(BODY));
    for (let i = 0; i < count; i += 1) {
      w.room(lineHeight(BODY));
      if (labels[i]) w.text(labels[i]!, MARGIN, BODY, w.bold, INK);
      if (values[i]) w.text(values[i]!, MARGIN + labelWidth, BODY, w.regular, INK);
      w.y -= lineHeight(BODY);
    }
    w.y -= 2;
  }
}

function drawTable(w: Writer, block: Extract<FlowBlock, { kind: 'table' }>): void {
  const total = block.columns.reduce((sum, c) => sum + c.share, 0);
  const widths = block.columns.map((c) => (c.share / total) * WIDTH);
  const size = 9;
  const layout = (cells: string[], font: PDFFont) => {
    const lines = cells.map((cell, i) => w.lines(cell, font, size, (widths[i] ?? 0) - 2 * PAD));
    return { lines, height: Math.max(...lines.map((l) => l.length)) * lineHeight(size) + 2 * PAD };
  };
  const head = layout(
    block.columns.map((c) => c.title),
    w.bold,
  );
  const drawRow = (row: { lines: string[][]; height: number }, font: PDFFont, fill?: Color): void => {
    let x = MARGIN;
    row.lines.forEach((lines, i) => {
      const width = widths[i] ?? 0;
      w.page.drawRectangle({ x, y: w.y - row.height, width, height: row.height, color: fill, borderColor: RULE, borderWidth: 0.5 });
      let y = w.y - PAD;
      for (const line of lines) {
        const dx = block.columns[i]?.right ? width - PAD - font.widthOfTextAtSize(line, size) : PAD;
        w.page.drawText(line, { x: x + dx, y: y - size * 0.95, size, font, color: fill ? PRIMARY : INK });
        y -= lineHeight(size);
      }
      x += width;
    });
    w.y -= row.height;
  };
  w.room(head.height + lineHeight(size) + 2 * PAD);
  drawRow(head, w.bold, HEADER_FILL);
  for (const cells of block.rows) {
    const row = layout(cells, w.regular);
    if (w.y - row.height < MARGIN) {
      w.room(A4.height);
      drawRow(head, w.bold, HEADER_FILL);
    }
    drawRow(row, w.regular);
  }
  w.y -= 6;
}

export async function renderFlowPdf(d: FlowDocument): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = await embedFrenchFonts(doc);
  describePdf(doc, { title: d.subtitle ? `${d.title} – ${d.subtitle}` : d.title, author: d.organisation.name, subject: d.subject, date: d.createdAt });
  const w = new Writer(doc, fonts);
  await drawHeader(w, d);

  for (const [i, block] of d.blocks.entries()) {
    switch (block.kind) {
      case 'heading':
        // A heading never ends a page: it keeps its first lines of text with it.
        w.y -= i > 0 ? 10 : 0;
        w.room(lineHeight(12) + 3 * lineHeight(BODY));
        w.paragraph(block.text, { size: 12, font: w.bold, color: PRIMARY });
        w.y -= 3;
        break;
      case 'paragraph':
        w.paragraph(block.text, { font: block.bold ? w.bold : w.regular, color: block.muted ? MUTED : INK, size: block.muted ? 9 : BODY });
        w.y -= 4;
        break;
      case 'list':
        for (const item of block.items) {
          const lines = w.lines(item, w.regular, BODY, WIDTH - 14);
          lines.forEach((line, n) => {
            w.room(lineHeight(BODY));
            if (n === 0) w.text('•', MARGIN + 2, BODY, w.regular, PRIMARY);
            w.text(line, MARGIN + 14, BODY, w.regular, INK);
            w.y -= lineHeight(BODY);
          });
          w.y -= 2;
        }
        w.y -= 2;
        break;
      case 'fields':
        drawFields(w, block.rows);
        w.y -= 2;
        break;
      case 'table':
        drawTable(w, block);
        break;
    }
  }

  const pages = doc.getPages();
  pages.forEach((page, i) => {
    const number = `Page ${i + 1} / ${pages.length}`;
    const numberWidth = fonts.regular.widthOfTextAtSize(number, 7.5);
    const footer = wrap(drawable(d.footer), fonts.regular, 7.5, WIDTH - numberWidth - 16);
    footer.slice(0, 2).forEach((line, n) => page.drawText(line, { x: MARGIN, y: FOOTER_TOP - n * 10, size: 7.5, font: fonts.regular, color: MUTED }));
    page.drawText(number, { x: A4.width - MARGIN - numberWidth, y: FOOTER_TOP, size: 7.5, font: fonts.regular, color: MUTED });
  });
  return doc.save();
}
