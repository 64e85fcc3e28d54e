/**
 * Generates anonymizer/src/profile/ps315-<edition>.ts from PS3.15 Table E.1-1 as data.
 *
 *   pnpm exec tsx anonymizer/scripts/gen-profile.ts [path/to/ps3.15-table-e1-1.json]
 *
 * Default source: $HOICHAN_SHARED_DIR/docs/standard/ps3.15-table-e1-1.json, HOICHAN_SHARED_DIR defaulting to
 * the `shared` directory beside the repository (../shared from the repo root).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateProfileSource } from '../src/profile/generate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const anonymizerDir = path.resolve(here, '..');
const sharedDir = process.env.HOICHAN_SHARED_DIR ?? path.resolve(anonymizerDir, '../../shared');
const source = process.argv[2] ?? path.join(sharedDir, 'docs/standard/ps3.15-table-e1-1.json');

const { fileName, source: text } = generateProfileSource(
  readFileSync(source, 'utf8'),
  'shared/docs/standard/ps3.15-table-e1-1.json',
);
const target = path.join(anonymizerDir, 'src/profile', fileName);
writeFileSync(target, text);
console.log(`wrote ${path.relative(process.cwd(), target)}`);
