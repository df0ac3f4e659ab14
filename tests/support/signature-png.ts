import { crc32, deflateSync } from 'node:zlib';

/**
 * A real PNG (greyscale + alpha, transparent background) with an ink scribble that depends on
 * the seed, like a signature drawn on the trainer's tablet. Built by hand: no image package.
 */
export function signaturePng(seed = 1, width = 300, height = 120): Uint8Array {
  const random = mulberry32(seed);
  // Two bytes per pixel (grey, alpha); all transparent white to start with.
  const pixels = new Uint8Array(width * height * 2);
  for (let i = 0; i < pixels.length; i += 2) pixels[i] = 255;

  const stamp = (cx: number, cy: number, radius: number): void => {
    for (let y = Math.floor(cy - radius); y <= Math.ceil(cy + radius); y += 1) {
      for (let x = Math.floor(cx - radius); x <= Math.ceil(cx + radius); x += 1) {
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const distance = Math.hypot(x - cx, y - cy);
        if (distance > radius) continue;
        const at = (y * width + x) * 2;
        const alpha = Math.round(255 * Math.min(1, radius - distance + 0.5));
        pixels[at] = 20;
        pixels[at + 1] = Math.max(pixels[at + 1] ?? 0, alpha);
      }
    }
  };

  // A pen stroke: a smooth wave across the box, its loops and slant set by the seed.
  const loops = 3 + Math.floor(random() * 4);
  const amplitude = height * (0.2 + random() * 0.15);
  const slant = (random() - 0.5) * height * 0.3;
  const phase = random() * Math.PI * 2;
  const steps = width * 3;
  for (let s = 0; s <= steps; s += 1) {
    const t = s / steps;
    const x = width * (0.08 + 0.84 * t) + Math.sin(t * Math.PI * 2 * loops + phase) * width * 0.03;
    const y = height / 2 + slant * (t - 0.5) + Math.cos(t * Math.PI * 2 * loops * 0.9 + phase) * amplitude * (0.6 + 0.4 * Math.sin(t * 7 + seed));
    stamp(x, y, 1.6);
  }
  // The underline flourish.
  const underline = height * (0.75 + random() * 0.1);
  for (let x = width * 0.15; x < width * 0.85; x += 0.5) stamp(x, underline + Math.sin(x / 15 + seed) * 2, 1.1);

  // Each scanline starts with its filter type: 0 (none).
  const raw = new Uint8Array(height * (width * 2 + 1));
  for (let y = 0; y < height; y += 1) raw.set(pixels.subarray(y * width * 2, (y + 1) * width * 2), y * (width * 2 + 1) + 1);

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 4, 0, 0, 0], 8); // 8 bits, greyscale + alpha, deflate, no filter method, no interlace
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', new Uint8Array(deflateSync(raw))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** One PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A small seeded generator, so a seed always draws the same signature. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
