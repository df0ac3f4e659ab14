import jsQR from 'jsqr';
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** The text of a PDF's first page, as pdf.js extracts it, whitespace collapsed. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  // A copy: pdf.js takes over (detaches) the buffer it is given.
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false }).promise;
  return (await (await pdf.getPage(1)).getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join(' ').replace(/\s+/g, ' ');
}

/** The text of every page of a PDF, page after page, whitespace collapsed. */
export async function pdfAllText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n += 1)
    pages.push((await (await pdf.getPage(n)).getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join(' '));
  return pages.join(' ').replace(/\s+/g, ' ');
}

/** How many images a PDF's first page paints, as pdf.js draws it. */
export async function pdfImagesPainted(bytes: Uint8Array): Promise<number> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false }).promise;
  return (await (await pdf.getPage(1)).getOperatorList()).fnArray.filter((fn) => fn === OPS.paintImageXObject).length;
}

/** pdf.js's drawing commands inside a path (DrawOPS): each is followed by its points. */
const MOVE_TO = 0;
const LINE_TO = 1;
const CLOSE = 4;

/**
 * What the QR codes drawn on a PDF's first page say, decoded by jsQR as a phone's camera would:
 * each vector path made of rectangles (how the attestations draw their QR code) is painted
 * black on white at 4 pixels per point, then read. Paths that do not decode are skipped.
 */
export async function pdfQrCodes(bytes: Uint8Array): Promise<string[]> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false }).promise;
  const operators = await (await pdf.getPage(1)).getOperatorList();
  const found: string[] = [];
  for (const [i, fn] of operators.fnArray.entries()) {
    if (fn !== OPS.constructPath) continue;
    // pdf.js 5 hands a path as [paint operator, [path data], bounding box].
    const data = (operators.argsArray[i] as [number, (ArrayLike<number> | null)[] | null])[1]?.[0];
    if (!data) continue;
    const rectangles = rectanglesOf(Array.from(data));
    if (rectangles.length < 20) continue;
    const decoded = decodeRectangles(rectangles);
    if (decoded) found.push(decoded);
  }
  return found;
}

type Box = { x0: number; y0: number; x1: number; y1: number };

/** The bounding box of each closed sub-path made of straight lines. */
function rectanglesOf(path: number[]): Box[] {
  const boxes: Box[] = [];
  let points: [number, number][] = [];
  for (let at = 0; at < path.length; ) {
    const op = path[at]!;
    if (op === MOVE_TO || op === LINE_TO) {
      if (op === MOVE_TO) points = [];
      points.push([path[at + 1]!, path[at + 2]!]);
      at += 3;
    } else if (op === CLOSE) {
      if (points.length >= 3) {
        const xs = points.map((p) => p[0]);
        const ys = points.map((p) => p[1]);
        boxes.push({ x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) });
      }
      points = [];
      at += 1;
    } else return []; // A curve: not a QR code.
  }
  return boxes;
}

function decodeRectangles(boxes: Box[]): string | null {
  const scale = 4;
  const margin = 16;
  const minX = Math.min(...boxes.map((b) => b.x0));
  const minY = Math.min(...boxes.map((b) => b.y0));
  const width = Math.ceil((Math.max(...boxes.map((b) => b.x1)) - minX) * scale) + 2 * margin;
  const height = Math.ceil((Math.max(...boxes.map((b) => b.y1)) - minY) * scale) + 2 * margin;
  const pixels = new Uint8ClampedArray(width * height * 4).fill(255);
  for (const b of boxes)
    for (let y = Math.round((b.y0 - minY) * scale) + margin; y < Math.round((b.y1 - minY) * scale) + margin; y++)
      for (let x = Math.round((b.x0 - minX) * scale) + margin; x < Math.round((b.x1 - minX) * scale) + margin; x++) pixels.fill(0, (y * width + x) * 4, (y * width + x) * 4 + 3);
  return jsQR(pixels, width, height)?.data ?? null;
}
