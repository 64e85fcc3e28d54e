/** Test support: dciodvfy (dicom3tools) error lines of a file, with UIDs masked so runs can be compared. */
import { execFileSync } from 'node:child_process';

/** True when dciodvfy is installed. */
export const HAVE_DCIODVFY = (() => {
  try {
    execFileSync('dciodvfy', [], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

/** The "Error" lines dciodvfy prints for `file`, UIDs masked. */
export function dciodvfyErrors(file: string): Set<string> {
  let text: string;
  try {
    text = execFileSync('dciodvfy', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  return new Set(text.split('\n').filter((l) => l.startsWith('Error')).map((l) => l.replace(/\d+(\.\d+)+/g, 'N')));
}
