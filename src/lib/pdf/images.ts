import { crc32, inflateSync } from 'node:zlib';

/**
 * What an uploaded image is, from its bytes alone: the type a browser declares comes from the
 * file's name, so a text file renamed « logo.png » would pass it. Reads the signature bytes
 * (magic numbers) and the pixel size from the header, before anything decodes the pixels: a
 * small file can announce a huge image (a decompression bomb).
 */

export type ImageType = 'image/png' | 'image/jpeg';

export const IMAGE_LIMITS = {
  /** The file as uploaded. */
  maxBytes: 1024 * 1024,
  /** Pixels on each side. */
  minSide: 16,
  maxSide: 3000,
  maxPixels: 6_000_000,
} as const;

export interface ImageFacts {
  type: ImageType;
  width: number;
  height: number;
  /** A JPEG's colour components (1 grey, 3 colour, 4 CMYK). */
  components?: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function imageType(bytes: Uint8Array): ImageType | null {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** The type and pixel size read from the header; null when the header is not a PNG or JPEG one. */
export function imageFacts(bytes: Uint8Array): ImageFacts | null {
  const type = imageType(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 'image/png') {
    // The first chunk is IHDR, 13 bytes: width and height come first.
    if (bytes.length < 33 || view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
    return { type, width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (type === 'image/jpeg') {
    // Markers follow one another from the start; the frame header (SOF0…SOF15 but DHT, JPG and
    // DAC) holds the size. Other segments are skipped by their length.
    for (let at = 2; at + 4 <= bytes.length; ) {
      if (bytes[at] !== 0xff) return null;
      const marker = bytes[at + 1]!;
      if (marker === 0xff) {
        at += 1;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        at += 2;
        continue;
      }
      if (marker === 0xd9 || marker === 0xda) return null;
      const length = view.getUint16(at + 2);
      if (length < 2) return null;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        if (at + 10 > bytes.length) return null;
        return { type, height: view.getUint16(at + 5), width: view.getUint16(at + 7), components: bytes[at + 9]! };
      }
      at += 2 + length;
    }
  }
  return null;
}

export type CheckedImage = { ok: true; bytes: Uint8Array; facts: ImageFacts } | { ok: false; message: string };

/**
 * An upload checked for the documents, with what is wrong in French (« Signature », « Logo »):
 * its weight, its real type, its pixel size and its structure (see cleanPng and cleanJpeg). The
 * bytes to keep come back, without the metadata the file carried.
 */
export function checkImage(label: string, bytes: Uint8Array, allowed: readonly ImageType[]): CheckedImage {
  const refuse = (message: string): CheckedImage => ({ ok: false, message });
  const kinds = allowed.length === 1 ? 'une image PNG' : 'une image PNG ou JPEG';
  if (bytes.length > IMAGE_LIMITS.maxBytes) return refuse(`${label} : l’image pèse ${kilobytes(bytes.length)} ; 1 Mo au plus.`);
  const facts = imageFacts(bytes);
  if (!facts) return refuse(`${label} : le fichier envoyé n’est pas ${kinds}.`);
  if (!allowed.includes(facts.type))
    return refuse(`${label} : le fichier est une image ${facts.type === 'image/jpeg' ? 'JPEG' : 'PNG'} ; il faut ${kinds}${allowed.length === 1 ? ' (elle garde le fond transparent)' : ''}.`);
  const { width, height } = facts;
  if (width < IMAGE_LIMITS.minSide || height < IMAGE_LIMITS.minSide)
    return refuse(`${label} : l’image fait ${width} × ${height} pixels ; il en faut au moins ${IMAGE_LIMITS.minSide} de chaque côté.`);
  if (width > IMAGE_LIMITS.maxSide || height > IMAGE_LIMITS.maxSide || width * height > IMAGE_LIMITS.maxPixels)
    return refuse(`${label} : l’image fait ${width} × ${height} pixels ; ${IMAGE_LIMITS.maxSide} pixels de côté au plus (une image de 600 × 300 pixels suffit).`);
  const unreadable = `${label} : cette image n’a pas pu être lue (fichier abîmé ?). Enregistrez-la de nouveau en ${allowed.length === 1 ? 'PNG' : 'PNG ou JPEG'}.`;
  const clean = facts.type === 'image/png' ? cleanPng(bytes) : [1, 3, 4].includes(facts.components ?? 0) ? cleanJpeg(bytes) : null;
  return clean ? { ok: true, bytes: clean, facts } : refuse(unreadable);
}

/**
 * A JPEG whose segments, up to the image data, are whole, without its metadata: EXIF (the
 * camera, a place, a rotation that PDF readers ignore), XMP, Photoshop and comment segments.
 * JFIF (APP0) and Adobe (APP14, which says how to read CMYK) stay. Null when it is not whole.
 */
export function cleanJpeg(bytes: Uint8Array): Uint8Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 2)];
  let frame = false;
  let dropped = false;
  for (let at = 2; ; ) {
    if (at + 4 > bytes.length || bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    const length = view.getUint16(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) frame = true;
    if (marker === 0xda) {
      // The scan: compressed data to the end, which must close the image.
      if (!frame || bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) return null;
      kept.push(bytes.subarray(at));
      break;
    }
    const metadata = (marker >= 0xe1 && marker <= 0xef && marker !== 0xee) || marker === 0xfe;
    if (metadata) dropped = true;
    else kept.push(bytes.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  return dropped ? join(kept) : bytes;
}

// Channels of each PNG colour type, and the bit depths it allows.
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const PNG_DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** The chunks that make the picture; the others (text, metadata, animation) are dropped. */
const PICTURE_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
// The seven passes of an interlaced PNG: first column and row, then steps.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * A PNG checked chunk by chunk (lengths, CRCs, the header's values, a palette when it needs one,
 * the pixel data inflating to exactly the size the header announces), rebuilt from the chunks
 * that make the picture (text and metadata chunks go). pdf-lib's PNG decoder trusts its input
 * (a truncated file keeps it looping forever), so it only ever sees such a PNG.
 * Null when the bytes are not one.
 */
export function cleanPng(bytes: Uint8Array): Uint8Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const data: Uint8Array[] = [];
  let header: { width: number; height: number; depth: number; colorType: number; interlaced: boolean } | null = null;
  let palette = false;
  let dropped = false;
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) return null;
    const length = view.getUint32(at);
    if (length > bytes.length - at - 12) return null;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) return null;
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) return null;
    const whole = bytes.subarray(at, at + 12 + length);
    at += 12 + length;
    if (!header && type !== 'IHDR') return null;
    if (type === 'IHDR') {
      if (header || length !== 13) return null;
      const [depth, colorType, compression, filter, interlace] = body.subarray(8);
      if (!PNG_DEPTHS[colorType!]?.includes(depth!) || compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) return null;
      const size = new DataView(body.buffer, body.byteOffset, 8);
      header = { width: size.getUint32(0), height: size.getUint32(4), depth: depth!, colorType: colorType!, interlaced: interlace === 1 };
    } else if (type === 'PLTE') palette = true;
    else if (type === 'IDAT') data.push(body);
    if (PICTURE_CHUNKS.has(type)) kept.push(whole);
    else dropped = true;
    if (type === 'IEND') break;
    // An unknown critical chunk (upper-case first letter): the picture cannot be read without it.
    if (!PICTURE_CHUNKS.has(type) && type[0]! >= 'A' && type[0]! <= 'Z') return null;
  }
  if (!header || data.length === 0 || (header.colorType === 3 && !palette)) return null;

  // The size of the filtered scanlines the header announces, pass by pass when interlaced.
  const bitsPerPixel = PNG_CHANNELS[header.colorType]! * header.depth;
  const lines = (width: number, height: number) => (width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0);
  const expected = header.interlaced
    ? ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + lines(Math.ceil((header.width - x0) / dx), Math.ceil((header.height - y0) / dy)), 0)
    : lines(header.width, header.height);
  let inflated: Buffer;
  try {
    inflated = inflateSync(Buffer.concat(data), { maxOutputLength: expected + 1 });
  } catch {
    return null;
  }
  if (inflated.length !== expected) return null;
  // Bytes after IEND (a page, an archive appended to the picture) go too.
  return dropped || at !== bytes.length ? join(kept) : bytes;
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** « 840 Ko », « 1,2 Mo » */
export function kilobytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} Ko`;
  return `${(bytes / (1024 * 1024)).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} Mo`;
}
