import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import type { Archive } from '../archive/Archive.js';
import type { BlobStore } from '../archive/blob/BlobStore.js';
import type { ParseFn } from '../archive/parseTemp.js';
import { ScpAssociation, type ScpContext } from './association.js';
import { PeerRegistry } from './peers.js';
import { batchCommitter, instanceCommitter, type Durability } from './commit.js';
import { findService } from './find.js';
import { moveService } from './move.js';
import { getService } from './get.js';

export interface DimseOptions {
  /** TCP port for DICOM; null = no listener (peers can still be managed). 0 picks a free port (tests). */
  port: number | null;
  host: string;
  aeTitle: string;
  maxAssociations: number;
  /** Largest PDU we receive. */
  maxPdu: number;
  idleSeconds: number;
  durability: Durability;
  maxInstanceBytes: number;
  acceptAny: boolean;
  peersFile: string | null;
  /** Optional DICOM TLS listener (PS3.15 B.1). */
  tls: { port: number; cert: string; key: string; ca: string | null } | null;
}

export interface DimseDeps {
  archive: Archive;
  blobs: BlobStore;
  parse: ParseFn;
  /** G-2.11: called for each C-STORE/FIND/MOVE/GET (audit log). */
  onAccess?: ScpContext['onAccess'];
}

/** How long an association may take to be requested, and to be closed after its release. */
const ARTIM_MS = 30_000;

/** The DICOM side of the gateway: the SCP listener(s) and the peer registry. */
export class Dimse {
  private servers: net.Server[] = [];
  private readonly associations = new Set<ScpAssociation>();
  private admitted = 0;
  port: number | null = null;
  tlsPort: number | null = null;

  private constructor(readonly peers: PeerRegistry, private readonly ctx: ScpContext, private readonly opts: DimseOptions) {}

  /** Loads the peers (and the peers file); nothing listens until `listen()`. */
  static async create(deps: DimseDeps, opts: DimseOptions): Promise<Dimse> {
    const peers = new PeerRegistry(deps.archive.db, opts.acceptAny);
    await peers.load();
    if (opts.peersFile) await peers.loadFile(opts.peersFile);
    const committer = opts.durability === 'batch' ? batchCommitter(deps.archive) : instanceCommitter(deps.archive);
    const idleMs = opts.idleSeconds * 1000;
    const retrieve = { archive: deps.archive, peers, aeTitle: opts.aeTitle, maxPdu: opts.maxPdu, timeoutMs: Math.max(idleMs, 10_000) };
    let self: Dimse | null = null;
    const ctx: ScpContext = {
      aeTitle: opts.aeTitle,
      maxPdu: opts.maxPdu,
      idleMs,
      artimMs: Math.min(ARTIM_MS, idleMs || ARTIM_MS),
      peers,
      archive: deps.archive,
      store: { blobs: deps.blobs, parse: deps.parse, keyFor: (parsed) => deps.archive.keyFor(parsed), committer,
        // One association in `instance` mode: a synchronous write + fsync beats the thread pool's hand-offs.
        syncWrite: () => opts.durability === 'instance' && self!.activeAssociations <= 1, maxInstanceBytes: opts.maxInstanceBytes,
        alreadyStored: (sop, sha256, bytes) => deps.archive.hasIdentical(sop, sha256, bytes) },
      admit: () => self!.admit(opts.maxAssociations),
      services: { find: findService({ db: deps.archive.db, aeTitle: opts.aeTitle }), move: moveService(retrieve), get: getService(retrieve) },
      closed: (a) => self!.forget(a),
      ...(deps.onAccess ? { onAccess: deps.onAccess } : {}),
    };
    self = new Dimse(peers, ctx, opts);
    return self;
  }

  /** Starts the configured listeners (plain, and TLS when configured). */
  async listen(): Promise<void> {
    const opts = this.opts;
    if (opts.port !== null) this.port = await this.listenOn(net.createServer(), opts.host, opts.port);
    if (opts.tls) {
      const server = tls.createServer({ cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key), ...(opts.tls.ca ? { ca: fs.readFileSync(opts.tls.ca), requestCert: true } : {}) });
      this.tlsPort = await this.listenOn(server, opts.host, opts.tls.port, 'secureConnection');
    }
  }

  private listenOn(server: net.Server, host: string, port: number, event: 'connection' | 'secureConnection' = 'connection'): Promise<number> {
    // Hard cap on sockets; above maxAssociations the extra ones get a polite A-ASSOCIATE-RJ.
    server.maxConnections = 1024;
    server.on(event, (socket: net.Socket) => {
      const a = new ScpAssociation(socket, this.ctx);
      this.associations.add(a);
    });
    server.on('error', () => undefined);
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private admit(max: number): boolean {
    if (this.admitted >= max) return false;
    this.admitted++;
    return true;
  }

  private forget(a: ScpAssociation): void {
    if (this.associations.delete(a) && a.admittedSlot) this.admitted--;
  }

  /** Associations currently open (admitted). */
  get activeAssociations(): number {
    return this.admitted;
  }

  /** Stops listening, gives running operations a moment, then aborts what is left. */
  async close(graceMs = 2000): Promise<void> {
    // server.close() calls back only once every connection has ended: start it, then end them.
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    const deadline = Date.now() + graceMs;
    while (this.associations.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const a of this.associations) a.link.destroy();
    this.associations.clear();
    await closed;
  }
}
