import { HoiError } from '../errors.js';
import type { JobKindDefinition } from './types.js';

/** Kind definitions are stateless (services come in the context), so one process-wide table serves every queue. */
const kinds = new Map<string, JobKindDefinition>();

/** Adds a job kind; registering the same name twice is a programming error. */
export function registerJobKind<K extends string>(def: JobKindDefinition<K>): void {
  const existing = kinds.get(def.kind);
  if (existing && existing !== (def as unknown as JobKindDefinition)) throw new Error(`job kind ${def.kind} is already registered`);
  kinds.set(def.kind, def as unknown as JobKindDefinition);
}

export function jobKind(kind: string): JobKindDefinition {
  const def = kinds.get(kind);
  if (!def) throw new HoiError('HOI_ERR_BAD_REQUEST', `unknown job kind "${kind}" (known: ${[...kinds.keys()].sort().join(', ') || 'none'})`);
  return def;
}

export function jobKinds(): string[] {
  return [...kinds.keys()].sort();
}
