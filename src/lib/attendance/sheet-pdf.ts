import { createHash } from 'node:crypto';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { embedFrenchFonts } from '../pdf/fonts.ts';
import { describePdf } from '../pdf/document-info.ts';
import { PDFDocument, degrees, drawImage, popGraphicsState, pushGraphicsState, rgb, type Color, type PDFFont, type PDFName, type PDFPage, type PDFRef } from 'pdf-lib';
import { frenchDateTime, frenchHours, frenchPercent, frenchTime } from '../time.ts';
import type { SheetCell, SheetData, SheetParticipant, SheetSlot } from './sheet-data.ts';
import {
  ATTENDANCE_STATUS_LABELS,
  CORRECTED_MARK,
  NOT_CLOSED_LABEL,
  NOT_SIGNED_LABEL,
  cellText,
  countersignatureText,
  halfDayLabel,
  halfDayTimes,
} from './sheet-labels.ts';

/*
 * The attendance sheet ("feuille d'émargement") as an A4 landscape PDF: the document a funder
 * or an auditor asks for. Every text is real text (DejaVu Sans covers the accents and names like
 * « Łukasz »), rows are never split across pages, and more than six half-days go on further pages.
 */

// A4 landscape, in points.
const PAGE_WIDTH = 841.89;
const PAGE_HEIGHT = 595.28;
const MARGIN = 28;
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const FOOTER_HEIGHT = 16;

const SLOTS_PER_PAGE = 6;
const NAME_COLUMN_WIDTH = 150;
const PAD = 4;
const SIGNATURE_BOX_HEIGHT = 26;
const MIN_ROW_HEIGHT = 30;
/** Past this many lines a cell text ends with « … » rather than push the row off the page. */
const MAX_CELL_LINES = 10;

const INK = rgb(0.1, 0.12, 0.14);
const MUTED = rgb(0.38, 0.41, 0.44);
const PRIMARY = rgb(0x0d / 255, 0x5c / 255, 0x63 / 255);
const ACCENT = rgb(0xb5 / 255, 0x43 / 255, 0x2c / 255);
const RULE = rgb(0.62, 0.66, 0.68);
const HEADER_FILL = rgb(0.9, 0.94, 0.94);
const STRIPE_FILL = rgb(0.975, 0.98, 0.98);
const ABSENCE_FILL = rgb(0.99, 0.92, 0.9);
const CLOSING_FILL = rgb(0.94, 0.95, 0.96);

/** Lines of text in one font, size and colour. */
interface TextBlock {
  kind: 'text';
  lines: string[];
  font: PDFFont;
  size: number;
  color: Color;
  /** Horizontally centred in its box. */
  center?: boolean;
}

/** A signature embedded in the document, with its size in pixels. */
interface Signature {
  ref: PDFRef;
  width: number;
  height: number;
}

interface ImageBlock {
  kind: 'image';
  image: Signature;
  width: number;
  height: number;
}

type Block = TextBlock | ImageBlock;

const lineHeight = (size: number): number => size * 1.22;
const GAP = 2;

function blocksHeight(blocks: Block[]): number {
  let height = 0;
  blocks.forEach((block, i) => {
    if (i > 0) height += GAP;
    height += block.kind === 'image' ? block.height : block.lines.length * lineHeight(block.size);
  });
  return height;
}

/** Everything one rendering needs: the document, its fonts, and a cache of text widths. */
class Canvas {
  readonly doc: PDFDocument;
  readonly regular: PDFFont;
  readonly bold: PDFFont;
  private readonly widths = new Map<PDFFont, Map<string, number>>();
  private readonly imageNames = new Map<PDFPage, Map<PDFRef, PDFName>>();

  constructor(doc: PDFDocument, regular: PDFFont, bold: PDFFont) {
    this.doc = doc;
    this.regular = regular;
    this.bold = bold;
  }

  /** Text width at the given size; laying out text with fontkit is the slow part, hence the cache. */
  width(font: PDFFont, text: string, size: number): number {
    let cache = this.widths.get(font);
    if (!cache) {
      cache = new Map();
      this.widths.set(font, cache);
    }
    let unit = cache.get(text);
    if (unit === undefined) {
      unit = font.widthOfTextAtSize(text, 1);
      cache.set(text, unit);
    }
    return unit * size;
  }

  /**
   * Greedy word wrap; words wider than the box are cut, and past maxLines the text ends with « … ».
   * An array of texts starts each one on a new line.
   */
  wrap(text: string | string[], font: PDFFont, size: number, maxWidth: number, maxLines = MAX_CELL_LINES): string[] {
    const lines: string[] = [];
    for (const paragraph of typeof text === 'string' ? [text] : text) lines.push(...this.wrapParagraph(paragraph, font, size, maxWidth));
    if (lines.length <= maxLines) return lines;
    const kept = lines.slice(0, maxLines);
    let last = `${kept[maxLines - 1] ?? ''}…`;
    while (last.length > 1 && this.width(font, last, size) > maxWidth) last = `${last.slice(0, -2)}…`;
    kept[maxLines - 1] = last;
    return kept;
  }

  private wrapParagraph(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
    const words = clean(text).split(' ').filter(Boolean);
    const space = this.width(font, ' ', size);
    const lines: string[] = [];
    let line = '';
    let lineWidth = 0;
    // Words are measured one by one (and cached): a line's width is their sum plus the spaces.
    for (const word of words) {
      const wordWidth = this.width(font, word, size);
      if (line && lineWidth + space + wordWidth <= maxWidth) {
        line = `${line} ${word}`;
        lineWidth += space + wordWidth;
        continue;
      }
      if (line) lines.push(line);
      line = word;
      lineWidth = wordWidth;
      while (lineWidth > maxWidth && line.length > 1) {
        const cut = this.fit(line, font, size, maxWidth);
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
        lineWidth = this.width(font, line, size);
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  /** How many leading characters of `text` fit in the width (at least one). */
  private fit(text: string, font: PDFFont, size: number, maxWidth: number): number {
    const chars = Array.from(text);
    let count = 1;
    while (count < chars.length && this.width(font, chars.slice(0, count + 1).join(''), size) <= maxWidth) count += 1;
    // Back to a UTF-16 length, without splitting a surrogate pair.
    return chars.slice(0, count).join('').length;
  }

  text(text: string | string[], font: PDFFont, size: number, maxWidth: number, color: Color = INK, maxLines = MAX_CELL_LINES): TextBlock {
    return { kind: 'text', lines: this.wrap(text, font, size, maxWidth, maxLines), font, size, color };
  }

  /** Like page.drawImage, for our own image objects, and naming each image once per page. */
  drawImage(page: PDFPage, image: Signature, x: number, y: number, width: number, height: number): void {
    let names = this.imageNames.get(page);
    if (!names) {
      names = new Map();
      this.imageNames.set(page, names);
    }
    let name = names.get(image.ref);
    if (!name) {
      name = page.node.newXObject('Im', image.ref);
      names.set(image.ref, name);
    }
    page.pushOperators(
      pushGraphicsState(),
      ...drawImage(name, { x, y, width, height, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }),
      popGraphicsState(),
    );
  }

  /** Draws blocks top down from `top`, within [x, x + width]. */
  drawBlocks(page: PDFPage, blocks: Block[], x: number, top: number, width: number): void {
    let y = top;
    blocks.forEach((block, i) => {
      if (i > 0) y -= GAP;
      if (block.kind === 'image') {
        this.drawImage(page, block.image, x + (width - block.width) / 2, y - block.height, block.width, block.height);
        y -= block.height;
        return;
      }
      const lh = lineHeight(block.size);
      for (const line of block.lines) {
        // The baseline sits just under one font size below the top of the line box.
        const dx = block.center ? (width - this.width(block.font, line, block.size)) / 2 : 0;
        page.drawText(line, { x: x + dx, y: y - block.size * 0.95, size: block.size, font: block.font, color: block.color });
        y -= lh;
      }
    });
  }
}

/** Text a person typed, on one line and without control characters. */
function clean(text: string): string {
  return text.normalize('NFC').replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

function rect(page: PDFPage, x: number, y: number, width: number, height: number, fill?: Color): void {
  page.drawRectangle({ x, y, width, height, color: fill, borderColor: RULE, borderWidth: 0.5 });
}

/** « NOM Prénom », the way attendance sheets list people. */
const displayName = (p: SheetParticipant): string => `${p.familyName.toLocaleUpperCase('fr-FR')} ${p.givenName}`;

export async function renderSheetPdf(sheet: SheetData): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const fonts = await embedFrenchFonts(doc);
  const canvas = new Canvas(doc, fonts.regular, fonts.bold);

  const title = `Feuille d’émargement – ${sheet.training.title}`;
  describePdf(doc, { title, author: sheet.organisation, subject: `Émargement de la formation « ${sheet.training.title} »`, date: sheet.generatedAt });

  const images = await embedSignatures(doc, sheet);
  const header = layoutHeader(canvas, sheet);
  const bodyTop = PAGE_HEIGHT - MARGIN - header.height - 10;
  const bodyBottom = MARGIN + FOOTER_HEIGHT;

  drawAttendance(canvas, sheet, images, bodyTop, bodyBottom);
  drawHours(canvas, sheet, bodyTop, bodyBottom);

  const pages = doc.getPages();
  const footer = `Document généré le ${frenchDateTime(sheet.generatedAt)} par ESPER Parcours. Les signatures électroniques sont horodatées ; une mention « ${CORRECTED_MARK} » signale un enregistrement corrigé.`;
  pages.forEach((page, i) => {
    header.draw(page, i + 1, pages.length);
    const lines = canvas.wrap(footer, canvas.regular, 6.5, CONTENT_WIDTH, 1);
    canvas.drawBlocks(page, [{ kind: 'text', lines, font: canvas.regular, size: 6.5, color: MUTED }], MARGIN, MARGIN, CONTENT_WIDTH);
  });
  return doc.save();
}

/** Each distinct signature image embedded once; a PNG that cannot be read falls back to text. */
async function embedSignatures(doc: PDFDocument, sheet: SheetData): Promise<Map<SheetCell, Signature>> {
  const byContent = new Map<string, Signature | null>();
  const byCell = new Map<SheetCell, Signature>();
  for (const participant of sheet.participants) {
    for (const cell of participant.cells) {
      if (!cell.signaturePng || cell.signaturePng.length === 0) continue;
      const key = createHash('sha1').update(cell.signaturePng).digest('hex');
      if (!byContent.has(key)) byContent.set(key, await embedSignature(doc, cell.signaturePng));
      const image = byContent.get(key);
      if (image) byCell.set(cell, image);
    }
  }
  return byCell;
}

async function embedSignature(doc: PDFDocument, png: Uint8Array): Promise<Signature | null> {
  try {
    const fast = embedPngNatively(doc, png);
    if (fast) return fast;
    const image = await doc.embedPng(png);
    // pdf-lib writes the image when saving; its ref is what pages draw.
    return { ref: image.ref, width: image.width, height: image.height };
  } catch {
    return null;
  }
}

const MAX_SIGNATURE_PIXELS = 4_000_000;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Embeds an 8-bit, non-interlaced PNG, the kind a tablet canvas produces, using Node's zlib:
 * pdf-lib's own embedPng compresses in JavaScript and takes most of the rendering time. Returns
 * null for any other PNG, which then goes through pdf-lib.
 */
function embedPngNatively(doc: PDFDocument, png: Uint8Array): Signature | null {
  if (png.length < 8 || PNG_MAGIC.some((byte, i) => png[i] !== byte)) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const data: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      colorType = body[9] ?? -1;
      // Bit depth 8, standard compression and filters, no interlacing.
      if (body[8] !== 8 || body[10] !== 0 || body[11] !== 0 || body[12] !== 0) return null;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels || width === 0 || height === 0 || (colorType === 3 && !palette)) return null;
  // A drawn signature is a few hundred pixels wide; anything huge is shown as text instead.
  if (width * height > MAX_SIGNATURE_PIXELS) throw new Error('signature image too large');
  // A colour key on a grey or RGB image: too rare on tablets to handle here.
  if (transparency && colorType !== 3) return null;

  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(data));
  if (raw.length < height * (stride + 1)) return null;
  const pixels = unfilter(raw, width, height, channels);

  // Colour (or grey) and alpha as separate planes; the PDF puts the alpha in a soft mask.
  const gray = colorType === 0 || colorType === 4;
  const outChannels = gray ? 1 : 3;
  const count = width * height;
  const color = new Uint8Array(count * outChannels);
  const alpha = new Uint8Array(count).fill(255);
  // Loops per colour type: this runs for every pixel of every signature.
  if (colorType === 0) color.set(pixels.subarray(0, count));
  else if (colorType === 2) color.set(pixels.subarray(0, count * 3));
  else if (colorType === 4) {
    for (let i = 0; i < count; i += 1) {
      color[i] = pixels[2 * i]!;
      alpha[i] = pixels[2 * i + 1]!;
    }
  } else if (colorType === 6) {
    for (let i = 0; i < count; i += 1) {
      color[3 * i] = pixels[4 * i]!;
      color[3 * i + 1] = pixels[4 * i + 1]!;
      color[3 * i + 2] = pixels[4 * i + 2]!;
      alpha[i] = pixels[4 * i + 3]!;
    }
  } else if (palette) {
    for (let i = 0; i < count; i += 1) {
      const index = pixels[i]!;
      color[3 * i] = palette[3 * index] ?? 0;
      color[3 * i + 1] = palette[3 * index + 1] ?? 0;
      color[3 * i + 2] = palette[3 * index + 2] ?? 0;
      alpha[i] = transparency?.[index] ?? 255;
    }
  }
  const translucent = alpha.some((a) => a < 255);

  // Signatures are mostly runs of transparent pixels: run-length deflate is both smaller and
  // several times faster than the default strategy.
  const pack = (plane: Uint8Array): Buffer => deflateSync(plane, { strategy: constants.Z_RLE });
  const context = doc.context;
  const common = { Type: 'XObject', Subtype: 'Image', Width: width, Height: height, BitsPerComponent: 8, Filter: 'FlateDecode' };
  const mask = translucent ? context.register(context.stream(pack(alpha), { ...common, ColorSpace: 'DeviceGray' })) : undefined;
  const ref = context.register(
    context.stream(pack(color), { ...common, ColorSpace: gray ? 'DeviceGray' : 'DeviceRGB', ...(mask ? { SMask: mask } : {}) }),
  );
  return { ref, width, height };
}

/** Undoes the PNG scanline filters (bytes per pixel = channels, at 8 bits). */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  // The row above the first one reads as zeros.
  const zeros = new Uint8Array(stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : zeros;
    // Indices stay within the rows (hence `!`); Uint8Array stores wrap modulo 256 as PNG wants.
    switch (filter) {
      case 0:
        row.set(line);
        break;
      case 1:
        for (let x = 0; x < stride; x += 1) row[x] = line[x]! + (x >= bpp ? row[x - bpp]! : 0);
        break;
      case 2:
        for (let x = 0; x < stride; x += 1) row[x] = line[x]! + up[x]!;
        break;
      case 3:
        for (let x = 0; x < stride; x += 1) row[x] = line[x]! + (((x >= bpp ? row[x - bpp]! : 0) + up[x]!) >> 1);
        break;
      case 4:
        for (let x = 0; x < stride; x += 1) {
          const left = x >= bpp ? row[x - bpp]! : 0;
          const above = up[x]!;
          const upLeft = x >= bpp ? up[x - bpp]! : 0;
          const base = left + above - upLeft;
          const dl = Math.abs(base - left);
          const du = Math.abs(base - above);
          const dul = Math.abs(base - upLeft);
          row[x] = line[x]! + (dl <= du && dl <= dul ? left : du <= dul ? above : upLeft);
        }
        break;
      default:
        throw new Error(`unknown PNG filter ${String(filter)}`);
    }
  }
  return out;
}

interface Header {
  height: number;
  draw: (page: PDFPage, number: number, total: number) => void;
}

/** The header repeated on every page: what, who, where and when. */
function layoutHeader(canvas: Canvas, sheet: SheetData): Header {
  const { regular, bold } = canvas;
  const rightWidth = 220;
  const organisation = canvas.text(sheet.organisation, bold, 10, rightWidth, PRIMARY, 2);
  const training = canvas.text(sheet.training.title, bold, 12, CONTENT_WIDTH - rightWidth - 20, INK, 2);

  const first = sheet.slots[0];
  const last = sheet.slots[sheet.slots.length - 1];
  let dates = 'aucune demi-journée planifiée';
  if (first && last && first !== last) dates = `du ${halfDayLabel(first)} au ${halfDayLabel(last)}`;
  else if (first) dates = halfDayLabel(first);
  const trainers = sheet.trainers.length > 0 ? sheet.trainers.join(', ') : 'non renseigné';
  const halfWidth = (CONTENT_WIDTH - 20) / 2;
  const fields: Array<[string, string]> = [
    ['Durée', `${frenchHours(sheet.training.durationHours)} (${sheet.slots.length} demi-journée${sheet.slots.length > 1 ? 's' : ''})`],
    ['Dates', dates],
    ['Lieu', sheet.place || 'non renseigné'],
    [sheet.trainers.length > 1 ? 'Formateurs' : 'Formateur', trainers],
  ];
  const size = 8.5;
  const laidFields = fields.map(([label, value]) => {
    const labelText = `${label} : `;
    const labelWidth = canvas.width(bold, labelText, size);
    return { labelText, labelWidth, lines: canvas.wrap(value, regular, size, halfWidth - labelWidth, 2) };
  });
  const rowHeights = [0, 2].map((i) =>
    Math.max(laidFields[i]?.lines.length ?? 1, laidFields[i + 1]?.lines.length ?? 1) * lineHeight(size),
  );

  const titleHeight = lineHeight(16);
  const height = titleHeight + 4 + blocksHeight([training]) + 4 + (rowHeights[0] ?? 0) + (rowHeights[1] ?? 0) + 6;
  return {
    height,
    draw(page, number, total) {
      const top = PAGE_HEIGHT - MARGIN;
      canvas.drawBlocks(page, [{ kind: 'text', lines: ['Feuille d’émargement'], font: bold, size: 16, color: PRIMARY }], MARGIN, top, 300);
      const pageText = `Page ${number} / ${total}`;
      const right = PAGE_WIDTH - MARGIN;
      // The organisation and the page number, right-aligned.
      let y = top;
      for (const line of organisation.lines) {
        page.drawText(line, { x: right - canvas.width(bold, line, 10), y: y - 10 * 0.95, size: 10, font: bold, color: PRIMARY });
        y -= lineHeight(10);
      }
      page.drawText(pageText, { x: right - canvas.width(regular, pageText, 8.5), y: y - 8.5 * 0.95 - 2, size: 8.5, font: regular, color: MUTED });

      y = top - titleHeight - 4;
      canvas.drawBlocks(page, [training], MARGIN, y, CONTENT_WIDTH - rightWidth - 20);
      y -= blocksHeight([training]) + 4;
      laidFields.forEach((field, i) => {
        const x = MARGIN + (i % 2) * (halfWidth + 20);
        const rowTop = y - (i >= 2 ? (rowHeights[0] ?? 0) : 0);
        page.drawText(field.labelText, { x, y: rowTop - size * 0.95, size, font: bold, color: INK });
        canvas.drawBlocks(page, [{ kind: 'text', lines: field.lines, font: regular, size, color: INK }], x + field.labelWidth, rowTop, halfWidth - field.labelWidth);
      });
      const ruleY = PAGE_HEIGHT - MARGIN - height + 2;
      page.drawLine({ start: { x: MARGIN, y: ruleY }, end: { x: PAGE_WIDTH - MARGIN, y: ruleY }, thickness: 1, color: PRIMARY });
    },
  };
}

/** The attendance table: pages of up to six half-days, each with as many whole rows as fit. */
function drawAttendance(canvas: Canvas, sheet: SheetData, images: Map<SheetCell, Signature>, bodyTop: number, bodyBottom: number): void {
  const { regular, bold } = canvas;
  const chunks: Array<{ from: number; slots: SheetSlot[] }> = [];
  for (let from = 0; from < sheet.slots.length; from += SLOTS_PER_PAGE) chunks.push({ from, slots: sheet.slots.slice(from, from + SLOTS_PER_PAGE) });
  if (chunks.length === 0) chunks.push({ from: 0, slots: [] });

  for (const chunk of chunks) {
    const slotWidth = chunk.slots.length > 0 ? (CONTENT_WIDTH - NAME_COLUMN_WIDTH) / chunk.slots.length : 0;
    const inner = slotWidth - 2 * PAD;
    const nameInner = NAME_COLUMN_WIDTH - 2 * PAD;

    const headCells: Block[][] = chunk.slots.map((slot) => [
      // « jeudi 03/12/2026 » over « matin »: every heading wraps the same way.
      { ...canvas.text(halfDayLabel(slot).split(/(?<=\d{4}) /), bold, 7.5, inner, PRIMARY, 3), center: true },
      { ...canvas.text(`${halfDayTimes(slot)} (${frenchHours(slot.hours)})`, regular, 7, inner, INK, 2), center: true },
    ]);
    const headName: Block[] = [canvas.text('Participant·e', bold, 7.5, nameInner, PRIMARY, 1), canvas.text('Structure', regular, 6.5, nameInner, MUTED, 1)];
    const headHeight = Math.max(blocksHeight(headName), ...headCells.map(blocksHeight)) + 2 * PAD;

    const closingCells: Block[][] = chunk.slots.map((slot) => {
      const text = countersignatureText(slot);
      return [canvas.text(text, text === NOT_CLOSED_LABEL ? bold : regular, 7, inner, text === NOT_CLOSED_LABEL ? ACCENT : INK, 4)];
    });
    const closingName: Block[] = [canvas.text('Contre-signature du formateur', bold, 7.5, nameInner, INK, 2)];
    const closingHeight = Math.max(blocksHeight(closingName), ...closingCells.map(blocksHeight)) + 2 * PAD;

    const rows = sheet.participants.map((participant) => {
      const name: Block[] = [canvas.text(displayName(participant), bold, 8, nameInner, INK, 3)];
      if (participant.employer) name.push(canvas.text(participant.employer, regular, 6.5, nameInner, MUTED, 2));
      const cells = chunk.slots.map((_, i) => cellBlocks(canvas, participant.cells[chunk.from + i], images, inner));
      const height = Math.max(MIN_ROW_HEIGHT, blocksHeight(name) + 2 * PAD, ...cells.map((c) => blocksHeight(c.blocks) + 2 * PAD));
      return { name, cells, height };
    });

    // Rows per page: as many whole rows as fit between the column headings and the countersignature.
    const available = bodyTop - bodyBottom - 14 - headHeight - closingHeight - 6;
    const pagesRows: Array<typeof rows> = [];
    let current: typeof rows = [];
    let used = 0;
    for (const row of rows) {
      if (current.length > 0 && used + row.height > available) {
        pagesRows.push(current);
        current = [];
        used = 0;
      }
      current.push(row);
      used += row.height;
    }
    pagesRows.push(current);

    let firstRow = 0;
    for (const pageRows of pagesRows) {
      const page = canvas.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
      let y = bodyTop;
      // Where this page sits in the whole sheet, when it takes several pages.
      const where: string[] = [];
      if (chunks.length > 1) where.push(`Demi-journées ${chunk.from + 1} à ${chunk.from + chunk.slots.length} sur ${sheet.slots.length}`);
      if (pagesRows.length > 1 && pageRows.length > 0) where.push(`participant·e·s ${firstRow + 1} à ${firstRow + pageRows.length} sur ${sheet.participants.length}`);
      if (where.length > 0) {
        const text = where.join(' · ');
        page.drawText(text, { x: PAGE_WIDTH - MARGIN - canvas.width(regular, text, 7), y: y - 7, size: 7, font: regular, color: MUTED });
      }
      y -= 14;
      firstRow += pageRows.length;

      const drawRow = (name: Block[], cells: Array<{ blocks: Block[]; fill?: Color }>, height: number, fill?: Color): void => {
        rect(page, MARGIN, y - height, NAME_COLUMN_WIDTH, height, fill);
        canvas.drawBlocks(page, name, MARGIN + PAD, y - PAD, nameInner);
        cells.forEach((cell, i) => {
          const x = MARGIN + NAME_COLUMN_WIDTH + i * slotWidth;
          rect(page, x, y - height, slotWidth, height, cell.fill ?? fill);
          canvas.drawBlocks(page, cell.blocks, x + PAD, y - PAD, inner);
        });
        y -= height;
      };

      drawRow(headName, headCells.map((blocks) => ({ blocks })), headHeight, HEADER_FILL);
      if (sheet.participants.length === 0) {
        const empty = [canvas.text('Aucun·e participant·e inscrit·e.', regular, 8, nameInner, MUTED, 2)];
        drawRow(empty, chunk.slots.map(() => ({ blocks: [] })), MIN_ROW_HEIGHT);
      }
      pageRows.forEach((row, i) => drawRow(row.name, row.cells, row.height, i % 2 === 1 ? STRIPE_FILL : undefined));
      y -= 6;
      if (chunk.slots.length > 0) drawRow(closingName, closingCells.map((blocks) => ({ blocks })), closingHeight, CLOSING_FILL);
      else {
        page.drawText('Aucune demi-journée planifiée.', { x: MARGIN + NAME_COLUMN_WIDTH + PAD, y: bodyTop - 14 - 12, size: 8, font: regular, color: MUTED });
      }
    }
  }
}

/** What one cell shows: the drawn signature when there is one, otherwise the status in words. */
function cellBlocks(canvas: Canvas, cell: SheetCell | undefined, images: Map<SheetCell, Signature>, width: number): { blocks: Block[]; fill?: Color } {
  const { regular, bold } = canvas;
  if (!cell || cell.status === null) return { blocks: [canvas.text(cell ? cellText(cell) : NOT_SIGNED_LABEL, regular, 7, width, MUTED)] };

  if (cell.status === 'absent_justified' || cell.status === 'absent_unjustified') {
    return { blocks: [canvas.text('ABSENCE', bold, 7.5, width, ACCENT, 1), canvas.text(cellText(cell), regular, 6.5, width, INK)], fill: ABSENCE_FILL };
  }

  const image = images.get(cell);
  if (image) {
    const scale = Math.min(width / image.width, SIGNATURE_BOX_HEIGHT / image.height);
    const blocks: Block[] = [{ kind: 'image', image, width: image.width * scale, height: image.height * scale }];
    if (cell.status === 'late') {
      const late = cell.arrivedAt ? `En retard, arrivé·e à ${frenchTime(cell.arrivedAt)}` : ATTENDANCE_STATUS_LABELS.late;
      blocks.push({ ...canvas.text(late, bold, 6, width, INK, 2), center: true });
    }
    const signed = [cell.signedAt ? `signé le ${frenchDateTime(cell.signedAt)}` : '', cell.corrected ? CORRECTED_MARK : ''].filter(Boolean).join(' ');
    if (signed) blocks.push({ ...canvas.text(signed, regular, 6, width, MUTED, 3), center: true });
    return { blocks };
  }

  if (cell.status === 'late') return { blocks: [canvas.text('EN RETARD', bold, 7, width, INK, 1), canvas.text(cellText(cell), regular, 6.5, width, INK)] };
  return { blocks: [canvas.text(cellText(cell), regular, 6.5, width, INK)] };
}

/** The last section: hours attended per participant, then the legend. */
function drawHours(canvas: Canvas, sheet: SheetData, bodyTop: number, bodyBottom: number): void {
  const { regular, bold } = canvas;
  const columns = [
    { title: 'Participant·e', width: 250 },
    { title: 'Structure', width: 290 },
    { title: 'Heures suivies', width: 82, right: true },
    { title: 'Heures prévues', width: 82, right: true },
    { title: 'Taux d’assiduité', width: CONTENT_WIDTH - 704, right: true },
  ];
  const rowOf = (values: string[], font: PDFFont, color: Color): { cells: TextBlock[]; height: number } => {
    const cells = values.map((value, i) => canvas.text(value, font, 8, (columns[i]?.width ?? 0) - 2 * PAD, color, 3));
    return { cells, height: Math.max(...cells.map((c) => blocksHeight([c]))) + 2 * PAD };
  };
  const head = rowOf(columns.map((c) => c.title), bold, PRIMARY);
  const rows = sheet.participants.map((p) =>
    rowOf([displayName(p), p.employer ?? '', frenchHours(p.hoursAttended), frenchHours(p.hoursPlanned), frenchPercent(p.attendanceRate)], regular, INK),
  );

  let page = canvas.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
  let y = bodyTop;
  const heading = (): void => {
    page.drawText('Heures suivies et assiduité', { x: MARGIN, y: y - 12, size: 12, font: bold, color: PRIMARY });
    y -= lineHeight(12) + 2;
    const summary = `${sheet.participants.length} ${sheet.participants.length > 1 ? 'participant·e·s' : 'participant·e'}, ${sheet.slots.length} demi-journée${sheet.slots.length > 1 ? 's' : ''}, ${frenchHours(sheet.slots.reduce((n, s) => n + s.hours, 0))} planifiées.`;
    page.drawText(summary, { x: MARGIN, y: y - 8, size: 8, font: regular, color: MUTED });
    y -= lineHeight(8) + 6;
  };
  const drawRow = (row: { cells: TextBlock[]; height: number }, fill?: Color): void => {
    let x = MARGIN;
    row.cells.forEach((cell, i) => {
      const column = columns[i];
      if (!column) return;
      rect(page, x, y - row.height, column.width, row.height, fill);
      if (column.right) {
        let lineTop = y - PAD;
        for (const line of cell.lines) {
          page.drawText(line, { x: x + column.width - PAD - canvas.width(cell.font, line, cell.size), y: lineTop - cell.size * 0.95, size: cell.size, font: cell.font, color: cell.color });
          lineTop -= lineHeight(cell.size);
        }
      } else {
        canvas.drawBlocks(page, [cell], x + PAD, y - PAD, column.width - 2 * PAD);
      }
      x += column.width;
    });
    y -= row.height;
  };

  heading();
  drawRow(head, HEADER_FILL);
  rows.forEach((row, i) => {
    if (y - row.height < bodyBottom) {
      page = canvas.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
      y = bodyTop;
      heading();
      drawRow(head, HEADER_FILL);
    }
    drawRow(row, i % 2 === 1 ? STRIPE_FILL : undefined);
  });

  const legend: Array<[string, string]> = [
    [ATTENDANCE_STATUS_LABELS.present, 'signature électronique (par code ou sur la tablette du formateur), horodatée, ou présence notée par le formateur.'],
    [ATTENDANCE_STATUS_LABELS.late, 'présent·e, arrivé·e après le début de la demi-journée ; l’heure d’arrivée est indiquée.'],
    [ATTENDANCE_STATUS_LABELS.absent_justified, 'absence dont le motif a été accepté ; le motif est indiqué quand il a été donné.'],
    [ATTENDANCE_STATUS_LABELS.absent_unjustified, 'absence sans motif accepté.'],
    [NOT_SIGNED_LABEL, 'rien n’est encore enregistré : la demi-journée n’a pas été clôturée.'],
    [NOT_CLOSED_LABEL, 'le formateur n’a pas encore contre-signé la demi-journée.'],
    [CORRECTED_MARK, 'l’enregistrement corrige un enregistrement antérieur, conservé dans l’historique.'],
    ['Taux d’assiduité', 'heures suivies rapportées aux heures prévues pour la personne.'],
  ];
  const legendLines = legend.map(([label, text]) => {
    const labelText = `${label} : `;
    const labelWidth = canvas.width(bold, labelText, 8);
    return { labelText, labelWidth, lines: canvas.wrap(text, regular, 8, CONTENT_WIDTH - labelWidth, 3) };
  });
  const legendHeight = lineHeight(10) + 4 + legendLines.reduce((n, l) => n + l.lines.length * lineHeight(8) + 2, 0);
  y -= 16;
  if (y - legendHeight < bodyBottom) {
    page = canvas.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    y = bodyTop;
  }
  page.drawText('Légende', { x: MARGIN, y: y - 10, size: 10, font: bold, color: PRIMARY });
  y -= lineHeight(10) + 4;
  for (const line of legendLines) {
    page.drawText(line.labelText, { x: MARGIN, y: y - 8 * 0.95, size: 8, font: bold, color: INK });
    canvas.drawBlocks(page, [{ kind: 'text', lines: line.lines, font: regular, size: 8, color: INK }], MARGIN + line.labelWidth, y, CONTENT_WIDTH - line.labelWidth);
    y -= line.lines.length * lineHeight(8) + 2;
  }
}
