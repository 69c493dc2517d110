import { PNG } from 'pngjs';

/** A picture as 8-bit RGBA, row by row. */
export interface Frame {
  width: number;
  height: number;
  rgba: Buffer;
}

/** Reads a PNG (a VNC capture, a Chromium screenshot). */
export function readPng(png: Buffer): Frame {
  const image = PNG.sync.read(png);
  return { width: image.width, height: image.height, rgba: image.data };
}

/** The picture averaged down to cols × rows cells of RGB (0..255), for coarse comparison. */
export function thumbnail(frame: Frame, cols = 48, rows = 27): Float64Array {
  const sums = new Float64Array(cols * rows * 3);
  const counts = new Float64Array(cols * rows);
  for (let y = 0; y < frame.height; y++) {
    const cy = Math.min(rows - 1, Math.floor((y * rows) / frame.height));
    for (let x = 0; x < frame.width; x++) {
      const cell = cy * cols + Math.min(cols - 1, Math.floor((x * cols) / frame.width));
      const p = (y * frame.width + x) * 4;
      for (let k = 0; k < 3; k++) sums[cell * 3 + k]! += frame.rgba[p + k]!;
      counts[cell]! += 1;
    }
  }
  for (let cell = 0; cell < counts.length; cell++) for (let k = 0; k < 3; k++) sums[cell * 3 + k]! /= counts[cell]! || 1;
  return sums;
}

/** Mean absolute difference per channel between two thumbnails of the same size. */
export function distance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** A thumbnail of one flat colour: the picture's own average. */
export function flat(a: Float64Array): Float64Array {
  const mean = [0, 0, 0];
  for (let i = 0; i < a.length; i++) mean[i % 3]! += a[i]! / (a.length / 3);
  return a.map((_, i) => mean[i % 3]!);
}

/** Average luminance, 0 (black) .. 255 (white). */
export function luminance(a: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 3) sum += 0.2126 * a[i]! + 0.7152 * a[i + 1]! + 0.0722 * a[i + 2]!;
  return sum / (a.length / 3);
}
