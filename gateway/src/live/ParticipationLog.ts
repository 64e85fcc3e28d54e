import fs from 'node:fs';
import path from 'node:path';

/** One line of a consult's participant record (G-2.7): who joined, left, or changed role in the live room, when. */
export interface ParticipationEntry {
  at: string;
  consultId: string;
  userId: string;
  displayName: string | null;
  /** The user's role in the consult (from the approved list). */
  consultRole: string;
  event: 'join' | 'leave' | 'role';
  /** Role in the room after the event: presenter (drives the shared view) or viewer. */
  liveRole: 'presenter' | 'viewer';
  peerId: string;
}

/**
 * The participant record of live sessions: an append-only JSON-lines file per consult under
 * `<dataDir>/live/`, fsynced per entry (a meeting has a handful of events; losing one would break G-2.7).
 */
export class ParticipationLog {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private file(consultId: string): string {
    return path.join(this.dir, `${encodeURIComponent(consultId)}.jsonl`);
  }

  append(e: ParticipationEntry): void {
    const fd = fs.openSync(this.file(e.consultId), 'a');
    try {
      fs.writeSync(fd, JSON.stringify(e) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  list(consultId: string): ParticipationEntry[] {
    return readEntries(this.file(consultId));
  }
}

/** The record file of a consult under `<dataDir>/live/` (the directory LiveService gives its log). */
const recordFile = (dataDir: string, consultId: string): string => path.join(dataDir, 'live', `${encodeURIComponent(consultId)}.jsonl`);

function readEntries(file: string): ParticipationEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // A torn last line (crash mid-write) is skipped, the rest kept.
  return text.split('\n').filter(Boolean).flatMap((l) => {
    try { return [JSON.parse(l) as ParticipationEntry]; } catch { return []; }
  });
}

/** One person's stay in the live room: a join, its leave (null: still in, or the gateway stopped), presenter or not. */
export interface Attendance {
  userId: string;
  displayName: string | null;
  consultRole: string;
  joinedAt: string;
  leftAt: string | null;
  /** Presented at some point during this stay. */
  presenter: boolean;
}

/** Pairs a record's joins and leaves by peer (each connection is one peer id), in join order. */
export function attendanceOf(entries: readonly ParticipationEntry[]): Attendance[] {
  const open = new Map<string, Attendance>();
  const out: Attendance[] = [];
  for (const e of entries) {
    if (e.event === 'join') {
      const a: Attendance = { userId: e.userId, displayName: e.displayName, consultRole: e.consultRole, joinedAt: e.at, leftAt: null, presenter: e.liveRole === 'presenter' };
      open.set(e.peerId, a);
      out.push(a);
      continue;
    }
    const a = open.get(e.peerId);
    if (!a) continue;
    if (e.liveRole === 'presenter') a.presenter = true;
    if (e.event === 'leave') {
      a.leftAt = e.at;
      open.delete(e.peerId);
    }
  }
  return out;
}

/**
 * Who actually took part in a consult's live sessions (G-2.7), read from the attendance record the live rooms of a
 * gateway with this data dir write: for the participant record PDF and other readers outside the live module.
 */
export function readAttendance(dataDir: string, consultId: string): Attendance[] {
  return attendanceOf(readEntries(recordFile(dataDir, consultId)));
}
