/**
 * @module The one EXIF tag kept: Orientation (0x0112 in IFD0), read from the TIFF
 * structure of a JPEG's APP1 "Exif" segment or a PNG's eXIf chunk, and written
 * back as a minimal one holding nothing else, so browsers still turn phone photos
 * upright while GPS, camera, maker notes and the embedded thumbnail are gone.
 */

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;

/**
 * The Orientation of IFD0 in `tiff` (the APP1 payload after "Exif\0\0"), in either
 * byte order; 1 when it is absent, out of 1–8 or the structure is malformed.
 */
export function readOrientation(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = String.fromCharCode(tiff[0], tiff[1]);
  if (order !== "II" && order !== "MM") return 1;
  const little = order === "II";
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd < 8 || ifd + 2 > tiff.length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) break;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    const type = view.getUint16(entry + 2, little);
    const value = type === TYPE_SHORT
      ? view.getUint16(entry + 8, little)
      : type === TYPE_LONG
      ? view.getUint32(entry + 8, little)
      : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

/**
 * A minimal TIFF structure: a big-endian header and an IFD0 holding only
 * Orientation. PNG's eXIf chunk holds it as it is; JPEG's APP1 after "Exif\0\0".
 */
export function orientationTiff(orientation: number): Uint8Array {
  const tiff = new Uint8Array(26);
  const view = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d], 0); // "MM"
  view.setUint16(2, 42);
  view.setUint32(4, 8); // IFD0 right after the header
  view.setUint16(8, 1); // one entry
  view.setUint16(10, ORIENTATION_TAG);
  view.setUint16(12, TYPE_SHORT);
  view.setUint32(14, 1);
  view.setUint16(18, orientation);
  view.setUint32(22, 0); // no next IFD
  return tiff;
}

/** A whole JPEG APP1 segment (marker and length included) around orientationTiff(). */
export function orientationSegment(orientation: number): Uint8Array {
  const tiff = orientationTiff(orientation);
  const segment = new Uint8Array(10 + tiff.length);
  new DataView(segment.buffer).setUint16(0, 0xffe1);
  new DataView(segment.buffer).setUint16(2, segment.length - 2);
  segment.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4); // "Exif\0\0"
  segment.set(tiff, 10);
  return segment;
}
