import type { DataSet } from 'dicom-parser';
import { readDataset } from '../render/readDataset.js';

/**
 * The raw value of the element at `tagPath` ("7FE00010", or "00540016/0/00181072" through sequence items),
 * as the BulkDataURIs of the metadata name them; null when there is none. Encapsulated pixel data comes
 * back whole (item tags and fragments), as stored.
 */
export function readBulk(part10: Uint8Array, tagPath: string): Buffer | null {
  const parsed = readDataset(part10);
  const steps = tagPath.split('/').filter(Boolean);
  let ds: DataSet | undefined = parsed.dataSet;
  for (let i = 0; i < steps.length; i++) {
    if (!ds) return null;
    const step = steps[i]!;
    if (!/^[0-9A-Fa-f]{8}$/.test(step)) return null;
    const el: import("dicom-parser").Element | undefined = ds.elements[`x${step.toLowerCase()}`];
    if (!el) return null;
    if (i === steps.length - 1) {
      const b = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    }
    const item = Number(steps[++i]);
    ds = el.items?.[item]?.dataSet;
  }
  return null;
}
