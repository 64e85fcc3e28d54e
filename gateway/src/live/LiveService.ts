import path from 'node:path';
import type { User } from '../auth/Accounts.js';
import { HoiError } from '../errors.js';
import { ParticipationLog, type ParticipationEntry } from './ParticipationLog.js';
import { Room, type PeerSocket, type RoomEvent } from './Room.js';
import { unwiredLivePorts, type LiveConsult, type LivePorts } from './ports.js';
import type { PeerId } from './protocol.js';
import { ProbePeers, type ProbePeerOptions } from './ProbePeers.js';
import { StunResponder } from './StunResponder.js';

export interface LiveOptions {
  dataDir: string;
  iceServers: unknown[];
  maxEndpoints: number;
  /** How often an open room re-reads its consult (closes it once the session ends). */
  recheckMs?: number;
  log?: { warn(obj: object, msg: string): void };
  /** The gateway's own WebRTC endpoint for connection tests (G-3.5); defaults: 4 probes, 60 s idle. */
  probes?: Partial<ProbePeerOptions>;
  /** UDP port of the STUN binding responder (0: any free port), or null/undefined for none. */
  stunPort?: number | null;
  /** Address the STUN responder binds (the gateway's HTTP host). */
  stunHost?: string;
}

/** Who may enter a room, as decided by {@link LiveService.admit}. */
export interface Admission {
  consult: LiveConsult;
  consultRole: string;
}

/**
 * The live rooms of one gateway: admission (approved participant list and `in_session` only, G-2.7/G-3.6),
 * one {@link Room} per consult, and the participant record + audit entry for every join, leave and role change.
 */
export class LiveService {
  /** The consult source and audit sink; set by the app once the worklist is wired (tests set memory ports). */
  ports: LivePorts = unwiredLivePorts;
  readonly record: ParticipationLog;
  private readonly rooms = new Map<string, { room: Room; timer: NodeJS.Timeout }>();
  /** The account behind each peer (audit entries need it). */
  private readonly users = new Map<PeerId, User>();
  /** WebRTC probes: the gateway as an ICE/DTLS/SCTP endpoint for the connection test. */
  readonly probes: ProbePeers;
  readonly stun = new StunResponder();

  constructor(private readonly opts: LiveOptions) {
    this.record = new ParticipationLog(path.join(opts.dataDir, 'live'));
    this.probes = new ProbePeers({ maxProbes: 4, idleMs: 60_000, extraHostAddresses: [], ...opts.probes });
  }

  /** Starts the STUN responder when configured. */
  async listen(): Promise<void> {
    if (this.opts.stunPort === null || this.opts.stunPort === undefined) return;
    await this.stun.listen(this.opts.stunPort, this.opts.stunHost === undefined || this.opts.stunHost === 'localhost' ? '0.0.0.0' : this.opts.stunHost);
  }

  /** The ICE servers for a browser that reached the gateway as `hostname`: the configured ones, plus the gateway's STUN. */
  iceServersFor(hostname: string): unknown[] {
    const port = this.stun.port;
    if (port === null) return this.opts.iceServers;
    const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
    return [...this.opts.iceServers, { urls: `stun:${host}:${port}` }];
  }

  get iceServers(): unknown[] {
    return this.opts.iceServers;
  }

  get maxEndpoints(): number {
    return this.opts.maxEndpoints;
  }

  /** Throws 404/403/409 (audited as refused) unless `user` may be in consult `consultId`'s room now. */
  async admit(user: User, consultId: string): Promise<Admission> {
    const consult = await this.ports.consult(consultId);
    if (!consult) throw new HoiError('HOI_ERR_NOT_FOUND', `no consult ${consultId}`);
    const refuse = async (code: 'HOI_ERR_FORBIDDEN' | 'HOI_ERR_CONFLICT', reason: string, rule: string) => {
      await this.ports.audit({ userId: user.username, user, action: 'live.refused', consultId, outcome: 'denied', detail: { reason, rule } });
      return new HoiError(code, reason, { rule });
    };
    if (!consult.approvedUserIds.includes(user.username)) throw await refuse('HOI_ERR_FORBIDDEN', `${user.username} is not on the approved participant list of this consult`, 'G-2.7');
    if (consult.state !== 'in_session') throw await refuse('HOI_ERR_CONFLICT', `the consult is not in session (state ${consult.state})`, 'G-3.6');
    const open = this.rooms.get(consultId)?.room;
    if (open && open.size >= this.opts.maxEndpoints) throw await refuse('HOI_ERR_CONFLICT', `the room is full (${this.opts.maxEndpoints} endpoints)`, 'G-1.3');
    return { consult, consultRole: consult.roles[user.username] ?? 'participant' };
  }

  /** Puts an admitted user's socket in the room; returns the peer id and the function to call on close. */
  enter(socket: PeerSocket, user: User, a: Admission): { room: Room; peerId: PeerId; leave: () => void } {
    const room = this.roomFor(a.consult.id);
    const peerId = room.join(socket, { userId: user.username, displayName: user.displayName, consultRole: a.consultRole }, (id) => this.users.set(id, user));
    return {
      room, peerId,
      leave: () => {
        room.leave(peerId);
        this.users.delete(peerId);
        if (room.size === 0) this.dropRoom(a.consult.id);
      },
    };
  }

  room(consultId: string): Room | undefined {
    return this.rooms.get(consultId)?.room;
  }

  participation(consultId: string): ParticipationEntry[] {
    return this.record.list(consultId);
  }

  close(): void {
    this.probes.closeAll();
    this.stun.close();
    for (const [id, { room }] of this.rooms) {
      room.closeAll('the gateway is stopping');
      this.dropRoom(id);
    }
  }

  private roomFor(consultId: string): Room {
    const open = this.rooms.get(consultId);
    if (open) return open.room;
    const room = new Room(consultId, this.opts.iceServers, (e) => this.onRoomEvent(consultId, e));
    // The session can end while people are connected (G-3.6): re-read the consult and close the room then.
    const timer = setInterval(() => {
      void this.ports.consult(consultId).then((c) => {
        if (!c || c.state !== 'in_session') {
          room.closeAll(`the consult is no longer in session (${c?.state ?? 'deleted'})`);
          this.dropRoom(consultId);
        }
      }).catch(() => undefined);
    }, this.opts.recheckMs ?? 15_000);
    timer.unref();
    this.rooms.set(consultId, { room, timer });
    return room;
  }

  private dropRoom(consultId: string): void {
    const r = this.rooms.get(consultId);
    if (!r) return;
    clearInterval(r.timer);
    this.rooms.delete(consultId);
  }

  private onRoomEvent(consultId: string, e: RoomEvent): void {
    const entry: ParticipationEntry = {
      at: new Date().toISOString(), consultId, userId: e.peer.userId, displayName: e.peer.displayName,
      consultRole: e.peer.consultRole, event: e.event, liveRole: e.peer.liveRole, peerId: e.peer.peerId,
    };
    try {
      this.record.append(entry);
    } catch (err) {
      this.opts.log?.warn({ err, consultId }, 'live: could not write the participant record');
    }
    const action = e.event === 'join' ? 'live.join' : e.event === 'leave' ? 'live.leave' : 'live.role';
    const user = this.users.get(e.peer.peerId);
    if (!user) return;
    void this.ports.audit({ userId: e.peer.userId, user, action, consultId, outcome: 'ok', detail: { liveRole: e.peer.liveRole, consultRole: e.peer.consultRole, peerId: e.peer.peerId } })
      .catch((err: unknown) => this.opts.log?.warn({ err, consultId }, 'live: audit write failed'));
  }
}
