import type { ChainVerdict } from '@hoichan/worklist';
import type { Config } from '../config/config.js';
import { openIndex } from '../archive/index/openIndex.js';
import { verifyAuditLog } from '../worklist/auditStore.js';
import { worklistDb } from '../worklist/tables.js';

/** `hoichan audit verify [--expect-head SEQ:HASH]`: the whole chain, optionally against a head kept elsewhere (G-2.11). */
export async function auditVerify(config: Config, expectedHead?: { seq: number; hash: string }): Promise<ChainVerdict> {
  const index = await openIndex({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, schema: config.databaseSchema });
  try {
    return await verifyAuditLog(worklistDb(index.db), expectedHead ? { expectedHead } : {});
  } finally {
    await index.close();
  }
}
