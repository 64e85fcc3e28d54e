import dicomParser from 'dicom-parser';
import type { Element } from 'dicom-parser';
import { ByteStreamClass } from './readDataset.js';
import { dictionaryVr } from './vr.js';

const reparsed = new WeakMap<Element, Element[] | null>();

/**
 * The items of a sequence element. Besides what dicom-parser read, this recovers sequences it leaves as
 * bytes: private sequences in implicit VR (it drops their items) and explicit UN elements of defined length
 * that hold a sequence (encoded as implicit VR little endian, PS3.5 6.2.2). Such a value is taken for a
 * sequence when it starts with an item tag and parses cleanly; null otherwise.
 */
export function itemsOf(el: Element, bytes: Uint8Array): Element[] | null {
  if (el.items) return el.items;
  const known = reparsed.get(el);
  if (known !== undefined) return known;
  let items: Element[] | null = null;
  const end = el.dataOffset + el.length;
  if (el.length >= 8 && end <= bytes.length && bytes[el.dataOffset] === 0xfe && bytes[el.dataOffset + 1] === 0xff &&
      bytes[el.dataOffset + 2] === 0x00 && bytes[el.dataOffset + 3] === 0xe0) {
    try {
      const copy: Element = { tag: el.tag, length: el.hadUndefinedLength ? 0xffffffff : el.length, dataOffset: el.dataOffset };
      const stream = new ByteStreamClass(dicomParser.littleEndianByteArrayParser, bytes, el.dataOffset);
      dicomParser.readSequenceItemsImplicit(stream, copy, dictionaryVr as (tag: string) => string);
      if (stream.position <= end + (el.hadUndefinedLength ? 8 : 0) && !stream.warnings.length) items = copy.items ?? null;
    } catch {
      items = null;
    }
  }
  reparsed.set(el, items);
  return items;
}
