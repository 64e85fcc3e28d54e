import type { AuditEntry, Command, ConsultCaseSummary, ConsultFilter, ConsultItem, DirectoryUser, Facility, Me, PatientIdentity, WorklistEvent } from './types';
import { ApiHttp, query, type ApiHttpOptions } from '../http/ApiHttp';

/** The body of POST /api/consults: a new draft at the actor's facility (G-3.2). */
export interface NewConsultBody {
  type: 'case' | 'training';
  urgency: 'routine' | 'emergency';
  consultingFacilityId: string;
  /** `identity` registers a new patient at the actor's facility; `id` alone reuses one. */
  patient: { id?: string; identity?: PatientIdentity };
  caseSummary?: Partial<ConsultCaseSummary>;
  /** ISO 8601 with offset. */
  requestedTime?: string;
}

/** Filters of GET /api/audit. */
export interface AuditQuery {
  user?: string;
  objectId?: string;
  action?: string;
  outcome?: string;
  from?: string;
  to?: string;
  afterSeq?: number;
  limit?: number;
}

/** Reconnect delay of the event stream after it drops (ms). */
const RECONNECT_MS = 3000;

/**
 * The worklist HTTP API of the gateway (gateway/src/worklist/API.md): consults, commands, facilities and
 * users, audit, `me`, and the live notification stream. Every failure comes back as an ApiProblem carrying
 * the server's reason, guard and rule, which the screens show as they are.
 */
export class WorklistClient {
  readonly http: ApiHttp;

  constructor(opts: ApiHttpOptions) {
    this.http = new ApiHttp(opts);
  }

  me(signal?: AbortSignal): Promise<Me> {
    return this.http.request('GET', '/me', undefined, signal);
  }

  /** GET /api/consults: the consults the actor may see, emergencies first. */
  async list(filter: ConsultFilter = {}, signal?: AbortSignal): Promise<ConsultItem[]> {
    return (await this.http.request<{ consults: ConsultItem[] }>('GET', `/consults${query(filter)}`, undefined, signal)).consults;
  }

  get(id: string, signal?: AbortSignal): Promise<ConsultItem> {
    return this.http.request('GET', `/consults/${encodeURIComponent(id)}`, undefined, signal);
  }

  create(body: NewConsultBody): Promise<ConsultItem> {
    return this.http.request('POST', '/consults', body);
  }

  /**
   * POST /api/consults/:id/commands; answers the consult as the actor now sees it. With `rev`, the server
   * refuses (409) when someone else changed the consult since it was shown.
   */
  command(id: string, command: Command, rev?: number): Promise<ConsultItem> {
    return this.http.request('POST', `/consults/${encodeURIComponent(id)}/commands`, command, undefined, rev === undefined ? {} : { 'if-match': `"${rev}"` });
  }

  /** PUT /api/patients/:id/pacs-ids: the PACS Patient IDs a case pack's studies are checked against (requesting side). */
  setPatientIds(patientId: string, patientIds: readonly { id: string; issuer?: string }[]): Promise<{ id: string; pseudonym: string; patientIds: { id: string; issuer?: string }[] }> {
    return this.http.request('PUT', `/patients/${encodeURIComponent(patientId)}/pacs-ids`, { patientIds });
  }

  async facilities(signal?: AbortSignal): Promise<Facility[]> {
    return (await this.http.request<{ facilities: Facility[] }>('GET', '/facilities', undefined, signal)).facilities;
  }

  async users(filter: { facility?: string; role?: string } = {}, signal?: AbortSignal): Promise<DirectoryUser[]> {
    return (await this.http.request<{ users: DirectoryUser[] }>('GET', `/users${query(filter)}`, undefined, signal)).users;
  }

  /** GET /api/audit (directors: their facility, forced by the server; admin: all). */
  audit(q: AuditQuery = {}, signal?: AbortSignal): Promise<{ entries: AuditEntry[]; last: number | null }> {
    return this.http.request('GET', `/audit${query(q)}`, undefined, signal);
  }

  /** A consult's PDF (minutes, G-3.7; participant list, G-2.7), fetched with the token. */
  pdf(id: string, which: 'minutes' | 'participants'): Promise<Blob> {
    return this.http.blob(`/consults/${encodeURIComponent(id)}/${which}.pdf`);
  }

  /** Follows GET /api/events until `signal` aborts, reconnecting after a drop (`onState` tells the UI). */
  async follow(onEvent: (e: WorklistEvent) => void, signal: AbortSignal, onState?: (connected: boolean) => void): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.http.streamOnce('/events', (m) => onEvent(parseEvent(m.event, m.data)), signal, () => onState?.(true));
      } catch (err) {
        if (signal.aborted) return;
        if ((err as { status?: number }).status === 401) return;
      }
      onState?.(false);
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  }
}

/** One SSE message as a {@link WorklistEvent}: JSON data when it parses, the consult id when it names one. */
export function parseEvent(event: string | undefined, data: string): WorklistEvent {
  let parsed: unknown = data;
  try { parsed = JSON.parse(data); } catch { /* plain text */ }
  const o = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const consultId = typeof o.consultId === 'string' ? o.consultId : undefined;
  const type = event ?? (typeof o.type === 'string' ? o.type : 'message');
  return { type, consultId, data: parsed };
}
