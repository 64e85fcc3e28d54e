#!/usr/bin/env node
/**
 * hoichan-anonymize: de-identifies DICOM files for a consult pack (G-2.3).
 *
 *   hoichan-anonymize <files|dirs…> --out DIR [--profile consult|basic] [--option NAME …] [--key KEYFILE]
 *                     [--pseudonym X] [--date-shift DAYS] [--study-uid UID] [--skip-pixels
 *                     [--declare clean-pixel-data|clean-recognizable-visual-features]] [--reports]
 *
 * Each file goes through the pixel stage (burned-in text, faces), the header rules and the leak gate; a file the
 * pixel stage cannot clean or with a leak-gate hit is not written (exit code 3). JPEG/PNG/PDF inputs are wrapped
 * as DICOM under --pseudonym and --study-uid.
 * Exit codes: 0 all written; 1 some input unreadable / not DICOM; 2 bad usage; 3 an output was quarantined.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { deidentify } from './deidentify.js';
import { deidentifyInstance } from './deidentifyInstance.js';
import { AnonymizerError } from './errors.js';
import { wrapAttachment } from './nonDicom/attachment.js';
import { sniffAttachment } from './nonDicom/photo.js';
import { OPTION_FLAGS, PROFILES, type ProfileOptions } from './profile/options.js';

const USAGE = `usage: hoichan-anonymize <files|dirs…> --out DIR [options]

  --out DIR               output directory (created); files are named <new SOP Instance UID>.dcm
  --profile NAME          consult (default) | basic
  --option NAME           add/remove an option (repeatable): ${Object.keys(OPTION_FLAGS).join(', ')}
  --key FILE              site secret file; created (mode 0600, 32 random bytes) if it does not exist.
                          Default: $HOICHAN_ANONYMIZER_KEY_FILE
  --pseudonym TEXT        case pseudonym for Patient's Name and Patient ID (e.g. HC-2026-0007)
  --date-shift DAYS       fixed date shift (integer) instead of the per-patient derived one
  --study-uid UID         pseudonymous Study Instance UID for JPEG/PNG/PDF inputs (wrapped as DICOM; needs --pseudonym)
  --skip-pixels           no pixel stage (burned-in text, faces); only for inputs already cleaned elsewhere
  --declare WHAT          with --skip-pixels: clean-pixel-data, clean-recognizable-visual-features were done
  --reports               also write <uid>.report.json beside each output
  -h, --help              this text
`;

/** Output streams of the CLI (injected by tests). */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Reads the site secret from `file`, creating a new random one (mode 0600) if the file does not exist. */
export function loadOrCreateKey(file: string, io: CliIo = defaultIo): Buffer {
  let created = false;
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (created) io.err(`created new site key ${file} (mode 0600): keep it secret and backed up (G-2.6, G-2.14)`);
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) io.err(`warning: key file ${file} is readable by group/others (mode ${mode.toString(8)})`);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  if (key.length < 16) throw new AnonymizerError('BAD_KEY', `key file ${file} holds fewer than 16 bytes`);
  return key;
}

function listInputs(inputs: readonly string[], io: CliIo): { files: string[]; missing: number } {
  const files: string[] = [];
  let missing = 0;
  const walk = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      io.err(`error: ${p}: no such file or directory`);
      missing++;
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (!name.startsWith('.')) walk(path.join(p, name));
      }
    } else if (st.isFile()) {
      files.push(p);
    }
  };
  inputs.forEach(walk);
  return { files, missing };
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        profile: { type: 'string', default: 'consult' },
        option: { type: 'string', multiple: true, default: [] },
        key: { type: 'string' },
        pseudonym: { type: 'string' },
        'date-shift': { type: 'string' },
        declare: { type: 'string', multiple: true, default: [] },
        'study-uid': { type: 'string' },
        'skip-pixels': { type: 'boolean', default: false },
        reports: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`error: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.out || positionals.length === 0) {
    io.err(`error: inputs and --out are required\n${USAGE}`);
    return 2;
  }
  const base = PROFILES[values.profile as keyof typeof PROFILES];
  if (!base) {
    io.err(`error: unknown profile ${values.profile} (consult, basic)`);
    return 2;
  }
  let profile: ProfileOptions = { ...base };
  for (const name of values.option) {
    const change = OPTION_FLAGS[name];
    if (!change) {
      io.err(`error: unknown option ${name} (${Object.keys(OPTION_FLAGS).join(', ')})`);
      return 2;
    }
    profile = { ...profile, ...change };
  }
  const pixels: { cleanPixelData?: boolean; cleanRecognizableVisualFeatures?: boolean } = {};
  for (const d of values.declare) {
    if (d === 'clean-pixel-data') pixels.cleanPixelData = true;
    else if (d === 'clean-recognizable-visual-features') pixels.cleanRecognizableVisualFeatures = true;
    else {
      io.err(`error: unknown --declare ${d} (clean-pixel-data, clean-recognizable-visual-features)`);
      return 2;
    }
  }
  if (values.declare.length && !values['skip-pixels']) {
    io.err('error: --declare is only for --skip-pixels (the pixel stage declares what it did)');
    return 2;
  }
  let dateShiftDays: number | undefined;
  if (values['date-shift'] !== undefined) {
    dateShiftDays = Number(values['date-shift']);
    if (!Number.isInteger(dateShiftDays)) {
      io.err('error: --date-shift must be an integer number of days');
      return 2;
    }
  }
  const keyFile = values.key ?? process.env.HOICHAN_ANONYMIZER_KEY_FILE;
  if (!keyFile) {
    io.err('error: --key KEYFILE is required (or set HOICHAN_ANONYMIZER_KEY_FILE)');
    return 2;
  }
  let siteSecret: Buffer;
  try {
    siteSecret = loadOrCreateKey(keyFile, io);
  } catch (err) {
    io.err(`error: ${(err as Error).message}`);
    return 2;
  }

  mkdirSync(values.out, { recursive: true });
  const { files, missing } = listInputs(positionals, io);
  let written = 0;
  let failed = missing;
  let blocked = 0;
  const seen = new Map<string, string>();
  for (const file of files) {
    if (path.basename(file).toUpperCase() === 'DICOMDIR') {
      io.err(`skip: ${file}: DICOMDIR is a media index, not an instance`);
      continue;
    }
    try {
      const bytes = readFileSync(file);
      let uid: string;
      let data: Buffer;
      let report: unknown;
      if (sniffAttachment(bytes)) {
        if (!values['study-uid'] || !values.pseudonym) {
          io.err(`error: ${file}: a JPEG/PNG/PDF attachment needs --pseudonym and --study-uid`);
          failed++;
          continue;
        }
        const r = await wrapAttachment(bytes, { siteSecret, pseudonym: values.pseudonym, studyInstanceUid: values['study-uid'] });
        if (r.status === 'quarantined') {
          io.err(`quarantined: ${file}: ${r.reason}`);
          blocked++;
          continue;
        }
        [uid, data, report] = [r.sopInstanceUid, r.part10, r.report];
      } else if (values['skip-pixels']) {
        const result = deidentify(bytes, { siteSecret, pseudonym: values.pseudonym, profile, dateShiftDays, pixels });
        if (result.report.leakScan && !result.report.leakScan.clean) {
          io.err(`blocked: ${file}: identifying text found after de-identification at ${result.report.leakScan.hitPaths.join(', ')}`);
          blocked++;
          continue;
        }
        [uid, data, report] = [result.report.sopInstanceUid, result.part10, result.report];
      } else {
        const r = await deidentifyInstance(bytes, { siteSecret, pseudonym: values.pseudonym, profile, dateShiftDays });
        if (r.status === 'quarantined') {
          io.err(`quarantined: ${file}: ${r.code}: ${r.reason}`);
          blocked++;
          continue;
        }
        [uid, data, report] = [r.sopInstanceUid, r.part10, r.report];
      }
      const target = path.join(values.out, `${uid}.dcm`);
      if (seen.has(uid)) io.err(`warning: ${file} and ${seen.get(uid)} are the same instance; ${target} overwritten`);
      seen.set(uid, file);
      writeFileSync(target, data);
      if (values.reports) writeFileSync(path.join(values.out, `${uid}.report.json`), `${JSON.stringify(report, null, 2)}\n`);
      io.out(`ok: ${file} -> ${target}`);
      written++;
    } catch (err) {
      const code = err instanceof AnonymizerError ? err.code : 'ERROR';
      io.err(`error: ${file}: ${code}: ${(err as Error).message}`);
      failed++;
    }
  }
  io.out(`${written} written, ${failed} failed, ${blocked} blocked (quarantined)`);
  if (blocked) return 3;
  return failed ? 1 : 0;
}

function invokedDirectly(): boolean {
  if (!process.argv[1]) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 70;
    },
  );
}
