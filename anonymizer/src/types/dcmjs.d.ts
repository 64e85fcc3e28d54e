/**
 * Minimal typings for the parts of dcmjs 0.52 that the anonymizer uses. dcmjs ships no types; only
 * `src/dicom/io.ts` imports dcmjs, everything else goes through our typed `DicomElement` / `DicomDataset`.
 */
declare module 'dcmjs' {
  /** One element of a dcmjs "dict" dataset: VR plus values (strings, numbers, PN objects, items, ArrayBuffers). */
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
    _rawValue?: unknown;
  }
  export type DcmjsDict = Record<string, DcmjsElement>;

  export interface DcmjsReadBufferStream {
    offset: number;
    isLittleEndian: boolean;
    decoder: unknown;
    setDecoder(decoder: unknown): void;
    setEndian(littleEndian: boolean): void;
    readUint16(): number;
    readUint32(): number;
    increment(n: number): void;
    more(length: number): DcmjsReadBufferStream;
    end(): boolean;
  }

  export interface DcmjsTag {
    toCleanString(): string;
  }

  export interface DcmjsReadInfo {
    tag: DcmjsTag;
    vr: { type: string };
    values: unknown[];
    rawValues: unknown;
  }

  export class DicomDict {
    constructor(meta: DcmjsDict);
    meta: DcmjsDict;
    dict: DcmjsDict;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  export interface DicomMessageStatic {
    readFile(
      buffer: ArrayBuffer,
      options?: { ignoreErrors?: boolean; untilTag?: string | null; noCopy?: boolean; forceStoreRaw?: boolean },
    ): DicomDict;
    _read(stream: DcmjsReadBufferStream, syntax: string, options?: Record<string, unknown>): DcmjsDict;
    _readTag(stream: DcmjsReadBufferStream, syntax: string, options?: Record<string, unknown>): DcmjsReadInfo;
  }

  export interface DictionaryEntry {
    tag: string;
    vr: string;
    vm: string;
    name: string;
  }

  export interface DicomMetaDictionaryStatic {
    dictionary: Record<string, DictionaryEntry | undefined>;
    nameMap: Record<string, DictionaryEntry | undefined>;
    naturalizeDataset(dict: DcmjsDict): Record<string, unknown>;
  }

  export interface ValueRepresentationStatic {
    createByTypeString(type: string): object;
    addTagAccessors<T extends object>(element: T): T;
  }

  export interface DcmjsLogger {
    setLevel(level: string | number): void;
    getLevel(): number;
    warn: (...args: unknown[]) => void;
  }

  const dcmjs: {
    data: {
      DicomMessage: DicomMessageStatic;
      DicomDict: typeof DicomDict;
      DicomMetaDictionary: DicomMetaDictionaryStatic;
      ValueRepresentation: ValueRepresentationStatic;
    };
    log: DcmjsLogger & { getLogger(name: string): DcmjsLogger };
  };
  export default dcmjs;
}
