/**
 * A signature drawn with a finger, a pen or a mouse on a <canvas>.
 *
 * The canvas needs the class `signature-pad` (global CSS: `touch-action: none`): without it a
 * touch screen scrolls or zooms instead of drawing. No style is set from here (strict CSP).
 *
 * Strokes are kept as points in CSS pixels, not only as pixels: the canvas can be resized (the
 * tablet turned) and redrawn without losing a stroke, even one in progress, and the PNG is drawn
 * from the points at its own scale.
 */

interface Point {
  x: number;
  y: number;
}

export interface SignaturePadOptions {
  /** Called with `true` when the pad becomes empty (cleared), `false` when a stroke starts. */
  onChange?: (empty: boolean) => void;
  /** Ink colour: dark, since the pad and the PNG are white. */
  color?: string;
  /** Stroke width in CSS pixels; the canvas is scaled to the device's pixels. */
  lineWidth?: number;
}

const PNG_MAX_SIDE = 600;
/** Room left around the drawn area in the PNG, in CSS pixels. */
const PNG_MARGIN = 8;
/** Sharper than 1:1 for a small signature, still under PNG_MAX_SIDE. */
const PNG_MAX_SCALE = 2;
/** Moves shorter than this (CSS pixels) add nothing but jitter. */
const MIN_STEP = 0.75;
const BACKGROUND = '#ffffff';

export class SignaturePad {
  readonly canvas: HTMLCanvasElement;
  onChange: ((empty: boolean) => void) | null;
  readonly #context: CanvasRenderingContext2D;
  readonly #color: string;
  readonly #lineWidth: number;
  readonly #strokes: Point[][] = [];
  #active: { pointerId: number; stroke: Point[]; origin: Point } | null = null;
  #width = 0;
  #height = 0;
  #ratio = 1;
  readonly #listeners = new AbortController();
  readonly #observer: ResizeObserver | null = null;

  constructor(canvas: HTMLCanvasElement, options: SignaturePadOptions = {}) {
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot draw on a canvas.');
    this.canvas = canvas;
    this.#context = context;
    this.onChange = options.onChange ?? null;
    this.#color = options.color ?? '#14213d';
    this.#lineWidth = options.lineWidth ?? 2.5;

    const signal = this.#listeners.signal;
    canvas.addEventListener('pointerdown', (event) => this.#start(event), { signal });
    canvas.addEventListener('pointermove', (event) => this.#move(event), { signal });
    canvas.addEventListener('pointerup', (event) => this.#end(event), { signal });
    canvas.addEventListener('pointercancel', (event) => this.#end(event), { signal });
    canvas.addEventListener('lostpointercapture', (event) => this.#end(event), { signal });
    // A long press on a touch screen would open a menu in the middle of a stroke.
    canvas.addEventListener('contextmenu', (event) => event.preventDefault(), { signal });

    if (typeof ResizeObserver === 'function') {
      this.#observer = new ResizeObserver(() => this.resize());
      this.#observer.observe(canvas);
    } else {
      window.addEventListener('resize', () => this.resize(), { signal });
    }
    this.resize();
  }

  /**
   * Matches the canvas's pixels to its CSS size × devicePixelRatio and redraws. Called by the
   * observer; call it after showing a canvas that was hidden (a closed dialog has no size).
   */
  resize(): void {
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (width === 0 || height === 0) return;
    const ratio = window.devicePixelRatio || 1;
    if (width === this.#width && height === this.#height && ratio === this.#ratio) return;
    this.#width = width;
    this.#height = height;
    this.#ratio = ratio;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    if (this.#active) this.#active.origin = this.#origin();
    this.#redraw();
  }

  isEmpty(): boolean {
    return this.#strokes.length === 0;
  }

  clear(): void {
    const wasEmpty = this.isEmpty();
    this.#strokes.length = 0;
    this.#active = null;
    this.#redraw();
    if (!wasEmpty) this.onChange?.(true);
  }

  /**
   * The signature as a PNG (base64, without the data: prefix): cut to the drawn area with a small
   * margin, on white, at most PNG_MAX_SIDE pixels on its longest side. Only what was visible on the
   * pad is kept (a stroke may have left the canvas while the pointer was captured).
   */
  toPngBase64(): string {
    if (this.isEmpty()) throw new Error('Nothing drawn: check isEmpty() before asking for the PNG.');
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const stroke of this.#strokes) {
      for (const point of stroke) {
        minX = Math.min(minX, point.x);
        minY = Math.min(minY, point.y);
        maxX = Math.max(maxX, point.x);
        maxY = Math.max(maxY, point.y);
      }
    }
    const room = this.#lineWidth / 2 + PNG_MARGIN;
    minX -= room;
    minY -= room;
    maxX += room;
    maxY += room;
    if (this.#width > 0 && this.#height > 0) {
      minX = Math.max(minX, 0);
      minY = Math.max(minY, 0);
      maxX = Math.min(maxX, this.#width);
      maxY = Math.min(maxY, this.#height);
    }
    const width = Math.max(maxX - minX, 1);
    const height = Math.max(maxY - minY, 1);
    const scale = Math.min(PNG_MAX_SCALE, PNG_MAX_SIDE / Math.max(width, height));

    const output = this.canvas.ownerDocument.createElement('canvas');
    output.width = Math.min(PNG_MAX_SIDE, Math.max(1, Math.round(width * scale)));
    output.height = Math.min(PNG_MAX_SIDE, Math.max(1, Math.round(height * scale)));
    const context = output.getContext('2d');
    if (!context) throw new Error('This browser cannot draw on a canvas.');
    context.fillStyle = BACKGROUND;
    context.fillRect(0, 0, output.width, output.height);
    context.setTransform(scale, 0, 0, scale, -minX * scale, -minY * scale);
    this.#paint(context, this.#strokes);
    const url = output.toDataURL('image/png');
    return url.slice(url.indexOf(',') + 1);
  }

  /** Removes the listeners (the strokes stay until the pad is dropped). */
  destroy(): void {
    this.#listeners.abort();
    this.#observer?.disconnect();
    this.#active = null;
  }

  #start(event: PointerEvent): void {
    // One stroke at a time: a palm or a second finger is ignored.
    if (this.#active) return;
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    if (this.#width === 0) this.resize();
    try {
      this.canvas.setPointerCapture(event.pointerId);
    } catch {
      // The pointer is already gone: the stroke is a dot.
    }
    const origin = this.#origin();
    const first = { x: event.clientX - origin.x, y: event.clientY - origin.y };
    const wasEmpty = this.isEmpty();
    const stroke = [first];
    this.#strokes.push(stroke);
    this.#active = { pointerId: event.pointerId, stroke, origin };
    this.#prepare(this.#context);
    this.#dot(this.#context, first);
    if (wasEmpty) this.onChange?.(false);
  }

  #move(event: PointerEvent): void {
    const active = this.#active;
    if (!active || event.pointerId !== active.pointerId) return;
    event.preventDefault();
    // A pen reports more positions than frames: the coalesced ones make smoother curves.
    const coalesced = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const each of coalesced.length > 0 ? coalesced : [event]) {
      this.#extend(active.stroke, { x: each.clientX - active.origin.x, y: each.clientY - active.origin.y });
    }
  }

  #end(event: PointerEvent): void {
    const active = this.#active;
    if (!active || event.pointerId !== active.pointerId) return;
    this.#active = null;
    const stroke = active.stroke;
    const last = stroke[stroke.length - 1];
    const before = stroke[stroke.length - 2];
    if (last && before) {
      this.#prepare(this.#context);
      this.#context.beginPath();
      this.#context.moveTo((before.x + last.x) / 2, (before.y + last.y) / 2);
      this.#context.lineTo(last.x, last.y);
      this.#context.stroke();
    }
    if (this.canvas.hasPointerCapture(event.pointerId)) this.canvas.releasePointerCapture(event.pointerId);
  }

  /** Where the canvas's drawing area starts on the screen (inside its border). */
  #origin(): Point {
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + this.canvas.clientLeft, y: rect.top + this.canvas.clientTop };
  }

  /** Adds a point and draws only the new piece, the same curve #paint draws for the whole stroke. */
  #extend(stroke: Point[], point: Point): void {
    const previous = stroke[stroke.length - 1];
    if (!previous || Math.hypot(point.x - previous.x, point.y - previous.y) < MIN_STEP) return;
    const beforePrevious = stroke[stroke.length - 2];
    stroke.push(point);
    const context = this.#context;
    this.#prepare(context);
    context.beginPath();
    if (beforePrevious) {
      context.moveTo((beforePrevious.x + previous.x) / 2, (beforePrevious.y + previous.y) / 2);
      context.quadraticCurveTo(previous.x, previous.y, (previous.x + point.x) / 2, (previous.y + point.y) / 2);
    } else {
      context.moveTo(previous.x, previous.y);
      context.lineTo((previous.x + point.x) / 2, (previous.y + point.y) / 2);
    }
    context.stroke();
  }

  #redraw(): void {
    const context = this.#context;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = BACKGROUND;
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    context.setTransform(this.#ratio, 0, 0, this.#ratio, 0, 0);
    this.#paint(context, this.#strokes);
  }

  /**
   * Each stroke goes through the midpoints of its points, with the points themselves as the
   * quadratic curves' control points: no corners where the pointer's samples meet.
   */
  #paint(context: CanvasRenderingContext2D, strokes: Point[][]): void {
    this.#prepare(context);
    for (const stroke of strokes) {
      const [first, ...rest] = stroke;
      if (!first) continue;
      this.#dot(context, first);
      if (rest.length === 0) continue;
      context.beginPath();
      context.moveTo(first.x, first.y);
      let previous = first;
      for (const [index, point] of rest.entries()) {
        const middle = { x: (previous.x + point.x) / 2, y: (previous.y + point.y) / 2 };
        if (index === 0) context.lineTo(middle.x, middle.y);
        else context.quadraticCurveTo(previous.x, previous.y, middle.x, middle.y);
        previous = point;
      }
      context.lineTo(previous.x, previous.y);
      context.stroke();
    }
  }

  #prepare(context: CanvasRenderingContext2D): void {
    // Resizing a canvas resets its context: set the pen every time.
    context.strokeStyle = this.#color;
    context.fillStyle = this.#color;
    context.lineWidth = this.#lineWidth;
    context.lineCap = 'round';
    context.lineJoin = 'round';
  }

  #dot(context: CanvasRenderingContext2D, point: Point): void {
    context.beginPath();
    context.arc(point.x, point.y, this.#lineWidth / 2, 0, Math.PI * 2);
    context.fill();
  }
}
