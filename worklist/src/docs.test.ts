import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessMatrixMarkdown, guardsMarkdown, machineMarkdown } from './docs.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = (name: string): string | undefined =>
  new RegExp(`<!-- generated:${name} [^>]*-->\\n([\\s\\S]*?)\\n<!-- /generated:${name} -->`).exec(readme)?.[1];

describe('README tables are generated from the data', () => {
  it.each([
    ['machine', machineMarkdown],
    ['guards', guardsMarkdown],
    ['matrix', accessMatrixMarkdown],
  ] as const)('%s', (name, gen) => {
    expect(section(name)).toBe(gen());
  });
});
