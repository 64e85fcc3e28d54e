import type { DataSet } from 'dicom-parser';
import { itemsOf } from './items.js';
import { readDataset } from './readDataset.js';

/**
 * The raw value bytes of the element a BulkDataURI names: `tagPath` is "7FE00010" at the top level, or
 * "00540016/0/00181072" through sequence items (sequence tag / item index / tag ...). Null when there is no
 * such element. A view into `part10` (into the inflated copy for Deflated Explicit VR LE), in the stored
 * byte order. Encapsulated Pixel Data comes back as its whole encoded value: the Basic Offset Table item
 * and every fragment item, item headers included, without the closing Sequence Delimitation Item.
 */
export function readBulk(part10: Uint8Array, tagPath: string): Buffer | null {
  const steps = tagPath.split('/').filter((s) => s !== '');
  if (!steps.length || steps.length % 2 === 0) return null;
  const ds = readDataset(part10).dataSet;
  const bytes = ds.byteArray as Buffer;
  let set: DataSet = ds;
  for (let i = 0; ; i += 2) {
    if (!/^[0-9A-Fa-f]{8}$/.test(steps[i]!)) return null;
    const el = set.elements[`x${steps[i]!.toLowerCase()}`];
    if (!el) return null;
    if (i === steps.length - 1) {
      if (el.encapsulatedPixelData) {
        const last = el.fragments?.[el.fragments.length - 1];
        return bytes.subarray(el.dataOffset, last ? last.position + last.length : el.dataOffset + el.length);
      }
      if (el.length === 0xffffffff || el.dataOffset + el.length > bytes.length) return null;
      return bytes.subarray(el.dataOffset, el.dataOffset + el.length);
    }
    if (!/^\d+$/.test(steps[i + 1]!)) return null;
    const item = itemsOf(el, bytes)?.[Number(steps[i + 1])]?.dataSet;
    if (!item) return null;
    set = item;
  }
}
