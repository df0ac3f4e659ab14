import { deflateSync } from 'node:zlib';
import { concatBytes, pngChunk } from './signature-png.ts';

/**
 * Images for the organisation's settings, built by hand (no image package): a logo as the
 * association would upload it, photos too heavy for a document, and a real JPEG.
 */

/** An 8-bit RGB (3 channels) or RGBA (4) PNG whose pixels `pixel(x, y)` gives. */
export function rgbPng(width: number, height: number, channels: 3 | 4, pixel: (x: number, y: number) => readonly number[]): Uint8Array {
  const stride = width * channels;
  // Each scanline starts with its filter type: 0 (none).
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) raw.set(pixel(x, y), y * (stride + 1) + 1 + x * channels);
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, channels === 3 ? 2 : 6, 0, 0, 0], 8);
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', new Uint8Array(deflateSync(raw, { level: 9 }))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** A flat logo on a transparent background: a teal disc and a terracotta bar (a few kilobytes). */
export function logoPng(width = 480, height = 160): Uint8Array {
  const r = height * 0.4;
  return rgbPng(width, height, 4, (x, y) => {
    if (Math.hypot(x - height / 2, y - height / 2) < r) return [13, 92, 99, 255];
    if (x > height && x < width - 10 && y > height * 0.35 && y < height * 0.65) return [181, 67, 44, 255];
    return [255, 255, 255, 0];
  });
}

/** Random RGB noise, which no compression shrinks: a photograph at its worst. */
export function noisePng(width: number, height: number, seed = 1): Uint8Array {
  let a = seed >>> 0;
  const next = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a >>> 24;
  };
  return rgbPng(width, height, 3, () => [next(), next(), next()]);
}

/** The PNG with one more chunk right after its header (a text chunk, say), its CRC right. */
export function withChunk(png: Uint8Array, type: string, data: Uint8Array): Uint8Array {
  const headerEnd = 8 + 12 + 13;
  return concatBytes([png.subarray(0, headerEnd), pngChunk(type, data), png.subarray(headerEnd)]);
}

/** A real baseline JPEG, 64 × 32 pixels (a teal-to-terracotta gradient with a white disc), 629 bytes. */
export const LOGO_JPEG: Uint8Array = new Uint8Array(
  Buffer.from(
    '/9j/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAgAEADASIAAhEBAxEB/8QAGQABAAMBAQAAAAAAAAAAAAAAAgQFBwgG/8QAJhAAAQQCAQMEAwEAAAAAAAAAAQIDBBEABRIGMVETIUFhFBVxkf/EABcBAQEBAQAAAAAAAAAAAAAAAAUEAwb/xAAbEQADAAIDAAAAAAAAAAAAAAAAAgMBEQQSIf/aAAwDAQACEQMRAD8A8iMmQtbP2HP8KFIlenXP0WlL432uh7dj/mDWQ/2G0iQfU9P8l9DXOr48lAXXz3zf9Xq4mngNw4bSW20JAJCQCsgAclUBajQs5vTOg3jT7emEStTsoDQdma+VGbKuIW8ypAJ8WR39jkcZ0NIjMS2FMSWW32lVybcSFJNGxYP3mG9R6lvR9QStc06p1tlQ4qUKNFIUAfsXV/NfGTsIouslcMYwDGMmYTkMYxgGMZKwpIjaeW3A3MGa6FKbjyG3VhI9yEqBNfftnQcaQ1MitSmF82nkBxtVEWkiwaP1nOAy31HUu40TTjWtmqYbcUFKRwSsX5AUDR/neh4xui7OI41OvmTfcwzqvZRtv1NMnRCosOKSEKUKKglITdeDV4dl1bvdxEMSdsFOsFQUUBtCAojtfECx9fzxlSMnYRRt5GMYwDGMmYSkMYxgGMZKwpI//9k=',
    'base64',
  ),
);
