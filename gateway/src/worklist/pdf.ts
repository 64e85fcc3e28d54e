import fs from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { ConsultView } from '@hoichan/worklist';

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | null = null;

/** Noto Sans (OFL) from @expo-google-fonts/noto-sans: full TTFs with the Vietnamese glyphs, embedded subset. */
function fontBytes(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: fs.readFileSync(require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf')),
    bold: fs.readFileSync(require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf')),
  };
  return fonts;
}

/** Names the PDF shows instead of ids (facility names, users' display names). */
export interface PdfNames {
  readonly facilities: Readonly<Record<string, string>>;
  readonly users: Readonly<Record<string, string>>;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;

/** A tiny flowing-text writer over pdf-lib (pdf-lib has no layout): wraps words, adds pages. */
class Writer {
  private page!: PDFPage;
  private y = 0;
  /** Every line drawn, in order: the document's text for the leak gate (the PDF itself holds glyph ids). */
  readonly drawn: string[] = [];
  constructor(private readonly doc: PDFDocument, private readonly regular: PDFFont, private readonly bold: PDFFont) {
    this.newPage();
  }
  private newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }
  private readonly advances = new Map<PDFFont, Map<string, number>>();
  /** Width for wrapping: per-character advances, cached (fontkit's full shaping per call is slow; kerning is negligible here). */
  private width(text: string, font: PDFFont, size: number): number {
    let cache = this.advances.get(font);
    if (!cache) this.advances.set(font, (cache = new Map()));
    let w = 0;
    for (const ch of text) {
      let a = cache.get(ch);
      if (a === undefined) cache.set(ch, (a = font.widthOfTextAtSize(ch, 1000)));
      w += a;
    }
    return (w * size) / 1000;
  }
  private lines(text: string, font: PDFFont, size: number, width: number): string[] {
    const out: string[] = [];
    for (const para of text.split('\n')) {
      let line = '';
      for (const word of para.split(/\s+/).filter(Boolean)) {
        const next = line ? `${line} ${word}` : word;
        if (this.width(next, font, size) <= width || !line) line = next;
        else {
          out.push(line);
          line = word;
        }
      }
      out.push(line);
    }
    return out;
  }
  text(text: string, opts: { size?: number; bold?: boolean; indent?: number; gap?: number } = {}): this {
    const size = opts.size ?? 10.5;
    const font = opts.bold ? this.bold : this.regular;
    const x = MARGIN + (opts.indent ?? 0);
    for (const line of this.lines(text, font, size, A4[0] - MARGIN - x)) {
      if (this.y - size < MARGIN) this.newPage();
      this.y -= size * 1.35;
      this.page.drawText(line, { x, y: this.y, size, font, color: rgb(0.1, 0.1, 0.12) });
      this.drawn.push(line);
    }
    this.y -= opts.gap ?? 2;
    return this;
  }
  field(label: string, value: string): this {
    this.text(label, { bold: true, size: 10, gap: 0 });
    return this.text(value || '—', { indent: 12, gap: 6 });
  }
  space(h = 8): this {
    this.y -= h;
    return this;
  }
}

async function newDoc(title: string, subject: string): Promise<{ doc: PDFDocument; w: Writer }> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const f = fontBytes();
  // ccmp off: fontkit would decompose ị, ụ … into a base and a combining mark whose ToUnicode entry is wrong,
  // so the text would not copy or search back (the precomposed glyphs are in the font).
  const regular = await doc.embedFont(f.regular, { subset: true, features: { ccmp: false } });
  const bold = await doc.embedFont(f.bold, { subset: true, features: { ccmp: false } });
  doc.setTitle(title);
  doc.setSubject(subject);
  doc.setProducer('Hoichan');
  doc.setCreator('Hoichan gateway');
  doc.setLanguage('vi-VN');
  return { doc, w: new Writer(doc, regular, bold) };
}

const DIRECTION: Record<string, string> = {
  continue_here: 'Tiếp tục điều trị tại cơ sở (continue here)',
  transfer: 'Chuyển tuyến (transfer)',
  training_support: 'Hỗ trợ đào tạo (training support)',
};
const ROLE: Record<string, string> = {
  requesting_doctor: 'Bác sĩ điều trị (requesting doctor)',
  requesting_coordinator: 'Điều phối bên yêu cầu (requesting coordinator)',
  consulting_coordinator: 'Phòng KHTH (planning office)',
  consultant_expert: 'Chuyên gia tư vấn (consultant expert)',
  it_technician: 'Kỹ thuật viên CNTT (IT technician)',
  facility_director: 'Giám đốc (facility director)',
  admin: 'Quản trị (admin)',
};
const when = (iso: string | null | undefined): string => (iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : '—');

function header(w: Writer, v: ConsultView, names: PdfNames): void {
  const fac = (id: string) => names.facilities[id] ?? id;
  w.field('Mã hội chẩn (consult)', `${v.id} — ${v.type === 'case' ? 'Hội chẩn ca bệnh (case)' : 'Đào tạo trực tuyến (training)'}, ${v.urgency === 'emergency' ? 'CẤP CỨU (emergency)' : 'thường quy (routine)'}`);
  w.field('Cơ sở yêu cầu (requesting facility)', fac(v.requestingFacilityId));
  w.field('Cơ sở tư vấn (consulting facility)', fac(v.consultingFacilityId));
  const who = v.patient.identity ? `${v.patient.identity.fullName} (${v.patient.identity.birthDate}) — ${v.patient.pseudonym}` : v.patient.pseudonym;
  w.field('Người bệnh (patient)', who);
  w.field('Thời gian hội chẩn (scheduled)', v.schedule ? `${when(v.schedule.start)}${v.schedule.end ? ` – ${when(v.schedule.end)}` : ''}` : '—');
}

/** A rendered document: the PDF and the text drawn into it (title and metadata included). */
export interface PdfDocument {
  readonly pdf: Uint8Array;
  readonly text: string;
}

/**
 * One person's presence in the live room (G-2.7), as the live module's attendance record gives it
 * (gateway/src/live/ParticipationLog.ts `readAttendance`): from a join to its leave (null: never left cleanly).
 */
export interface PdfAttendance {
  readonly userId: string;
  readonly displayName: string | null;
  readonly consultRole: string;
  readonly joinedAt: string;
  readonly leftAt: string | null;
  readonly presenter: boolean;
}

const done = async (doc: PDFDocument, w: Writer, title: string, subject: string): Promise<PdfDocument> =>
  ({ pdf: await doc.save({ useObjectStreams: false }), text: [title, subject, ...w.drawn].join('\n') });

/** G-3.7: the minutes (biên bản hội chẩn) as the reader may see them; null when the view has no minutes. */
export async function minutesPdf(v: ConsultView, names: PdfNames): Promise<Uint8Array | null> {
  return (await minutesDocument(v, names))?.pdf ?? null;
}

/** G-2.7: the participant record as PDF bytes (see {@link participantsDocument}). */
export async function participantsPdf(v: ConsultView, names: PdfNames, attendance: readonly PdfAttendance[] = []): Promise<Uint8Array> {
  return (await participantsDocument(v, names, attendance)).pdf;
}

/** {@link minutesPdf} with the text drawn. */
export async function minutesDocument(v: ConsultView, names: PdfNames): Promise<PdfDocument | null> {
  const m = v.clinical?.minutes;
  if (!m) return null;
  const user = (id: string) => names.users[id] ?? id;
  const title = `Biên bản hội chẩn ${v.id}`;
  const subject = 'Biên bản hội chẩn từ xa (remote consult minutes), G-3.7';
  const { doc, w } = await newDoc(title, subject);
  w.text('BIÊN BẢN HỘI CHẨN TỪ XA', { size: 16, bold: true, gap: 0 }).text('Remote consult minutes', { size: 11, gap: 10 });
  header(w, v, names);
  w.field('Câu hỏi của tuyến dưới (question)', v.clinical?.caseSummary.question ?? '');
  w.field('Đánh giá diễn biến (assessment of the course)', m.assessment);
  w.field('Chẩn đoán xác định (definitive diagnosis)', m.definitiveDiagnosis);
  w.field('Hướng điều trị (treatment direction)', DIRECTION[m.treatmentDirection] ?? m.treatmentDirection);
  if (m.notes) w.field('Ghi chú (notes)', m.notes);
  w.field('Phiên bản (version)', `${m.version} — soạn bởi ${user(m.draftedBy.userId)}, ${when(m.draftedBy.at)}`);
  w.field('Đồng ý (agreed by the planning office)', m.agreedBy ? `${user(m.agreedBy.userId)}, ${when(m.agreedBy.at)}` : 'chưa (not yet)');
  w.field('Ký (signed by the requesting side)', m.signedBy ? `${user(m.signedBy.userId)}, ${when(m.signedBy.at)}` : 'chưa (not yet)');
  w.space().text('Thành phần tham gia (participants)', { bold: true, size: 11 });
  for (const p of v.participants) w.text(`• ${user(p.userId)} — ${ROLE[p.role] ?? p.role} — ${names.facilities[p.facilityId] ?? p.facilityId}`, { indent: 6 });
  return done(doc, w, title, subject);
}

/**
 * G-2.7: the participant record (each side's list, the directors' approvals), the connection tests (G-3.5), and
 * who actually took part in the live session (`attendance`: join and leave times, role).
 */
export async function participantsDocument(v: ConsultView, names: PdfNames, attendance: readonly PdfAttendance[] = []): Promise<PdfDocument> {
  const user = (id: string) => names.users[id] ?? id;
  const title = `Danh sách tham gia ${v.id}`;
  const subject = 'Danh sách thành phần tham gia hội chẩn (participant record), G-2.7';
  const { doc, w } = await newDoc(title, subject);
  w.text('DANH SÁCH THÀNH PHẦN THAM GIA HỘI CHẨN', { size: 15, bold: true, gap: 0 }).text('Participant record', { size: 11, gap: 10 });
  header(w, v, names);
  for (const fid of [v.requestingFacilityId, v.consultingFacilityId]) {
    w.space().text(names.facilities[fid] ?? fid, { bold: true, size: 11.5 });
    const list = v.participants.filter((p) => p.facilityId === fid);
    if (list.length === 0) w.text('(chưa có — none yet)', { indent: 6 });
    for (const p of list) w.text(`• ${user(p.userId)} — ${ROLE[p.role] ?? p.role}`, { indent: 6 });
    const a = v.approvals.find((x) => x.facilityId === fid);
    w.text(a ? `Giám đốc phê duyệt (approved by the director): ${user(a.directorUserId)}, ${when(a.at)} — ${a.userIds.map(user).join(', ')}` : 'Chưa được giám đốc phê duyệt (not yet approved by the director)', { indent: 6, size: 10 });
    const t = v.connectionTests.filter((x) => x.facilityId === fid).at(-1);
    if (t) w.text(`Kiểm tra kết nối (connection test): ${t.result === 'ok' ? 'đạt (ok)' : 'không đạt (failed)'}, ${when(t.at)}${t.rttMs !== undefined ? `, RTT ${t.rttMs} ms` : ''}${t.bandwidthMbps !== undefined ? `, ${t.bandwidthMbps} Mbps` : ''}`, { indent: 6, size: 10 });
  }
  w.space().text('Thực tế tham gia phiên hội chẩn trực tuyến (attendance of the live session)', { bold: true, size: 11.5 });
  if (attendance.length === 0) w.text('(không có ai vào phòng — nobody joined the live room)', { indent: 6 });
  for (const a of attendance) {
    const who = names.users[a.userId] ?? a.displayName ?? a.userId;
    const left = a.leftAt ? when(a.leftAt) : 'không ghi nhận (not recorded)';
    w.text(`• ${who} — ${ROLE[a.consultRole] ?? a.consultRole}${a.presenter ? ' — trình chiếu (presenter)' : ''}: vào (joined) ${when(a.joinedAt)}, ra (left) ${left}`, { indent: 6 });
  }
  return done(doc, w, title, subject);
}
