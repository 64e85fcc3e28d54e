#!/usr/bin/env node
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { auditVerify } from './auditVerify.js';
import { backup } from './backup.js';
import { restore } from './restore.js';

const USAGE = `hoichan — Hoichan gateway maintenance (the gateway's HOICHAN_* environment selects the data dir and database)

  hoichan backup --out FILE            online, consistent backup: index snapshot, archive files, keys (G-2.14)
  hoichan restore FILE [--data-dir D]  restore into a fresh data dir (and a fresh PostgreSQL schema), then verify
  hoichan audit verify [--expect-head SEQ:HASH]
                                       verify the audit hash chain (G-2.11); exit 1 when broken
`;

/** The `hoichan` command line (gateway/package.json "bin"). Exit codes: 0 ok, 1 check failed, 2 usage. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { out: { type: 'string' }, 'data-dir': { type: 'string' }, 'expect-head': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [cmd, sub] = positionals;
  const config = loadConfig(process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {});
  const print = (o: unknown) => process.stdout.write(`${JSON.stringify(o, null, 2)}\n`);
  if (values.help || !cmd) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (cmd === 'backup') {
    if (!values.out) throw new Error('backup needs --out FILE');
    const m = await backup(config, values.out);
    print({ out: values.out, ...m, files: m.files.length });
    return 0;
  }
  if (cmd === 'restore') {
    if (!sub) throw new Error('restore needs the backup FILE');
    const r = await restore(config, sub);
    print({ dataDir: config.dataDir, audit: r.audit, instances: r.instances, blobProblems: r.blobProblems, createdAt: r.manifest.createdAt });
    return r.audit.ok && r.blobProblems.length === 0 ? 0 : 1;
  }
  if (cmd === 'audit' && sub === 'verify') {
    const m = values['expect-head'] ? /^(\d+):([0-9a-f]{64})$/.exec(values['expect-head']) : null;
    if (values['expect-head'] && !m) throw new Error('--expect-head must be SEQ:HASH (64 hex)');
    const v = await auditVerify(config, m ? { seq: Number(m[1]), hash: m[2]! } : undefined);
    print(v);
    return v.ok ? 0 : 1;
  }
  process.stderr.write(USAGE);
  return 2;
}

// Run when executed (also through the bin symlink), not when imported by tests.
if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  run(process.argv.slice(2)).then((code) => process.exit(code), (err: Error) => {
    process.stderr.write(`hoichan: ${err.message}\n`);
    process.exit(2);
  });
}
