// Rewrites the generated tables in README.md from the data (docs.test.ts fails when they drift).
// Run: pnpm --filter @hoichan/worklist docs
import { readFileSync, writeFileSync } from 'node:fs';
import { accessMatrixMarkdown, guardsMarkdown, machineMarkdown } from '../src/docs.js';

const file = new URL('../README.md', import.meta.url);
let text = readFileSync(file, 'utf8');
for (const [name, body] of [['machine', machineMarkdown()], ['guards', guardsMarkdown()], ['matrix', accessMatrixMarkdown()]] as const) {
  const re = new RegExp(`(<!-- generated:${name} [^>]*-->\\n)[\\s\\S]*?(\\n<!-- /generated:${name} -->)`);
  if (!re.test(text)) throw new Error(`README.md has no generated:${name} section`);
  text = text.replace(re, (_m, open: string, close: string) => `${open}${body}${close}`);
}
writeFileSync(file, text);
