import PDFDocument from 'pdfkit';
import type { RunOfShow, RunOfShowRow } from '../../schema/document/run-of-show.ts';
import { isolate } from './pdf-bidi.ts';
import { writeText } from './pdf-fonts.ts';
import { longDate } from '../../schema/document/date-words.ts';

/** A4 in PDF points (1/72 inch), with 2 cm margins. */
const MARGIN = 56;
const TIME_WIDTH = 100; // room for "21:45-00:30 +1d"

/**
 * Renders a run-of-show (schema/document/run-of-show.ts) as a PDF with PDFKit: a heading with the
 * wedding, its date in words (`Saturday, 12 June 2027`, as the app writes it; so is a later day's
 * heading), venue and zone, then one block per event (times in the wedding's zone, title, location,
 * who is on it with the contacts in the model, crew call times and notes). Text in
 * Windows-1252 is set in the standard Helvetica faces; other scripts (CJK, Arabic, Hebrew, Greek,
 * Cyrillic, Vietnamese, Thai, Devanagari, emoji) in embedded, subset Noto faces chosen per run
 * (pdf-fonts.ts). A line with Hebrew or Arabic in it prints in the order of the Unicode bidirectional
 * algorithm (pdf-bidi.ts); a field after a label or beside others ("Where: …", a vendor's name) is a
 * directional isolate, so it takes its own direction and does not reorder the label.
 * Resolves with the whole file (a day's run-of-show is a few pages); rejects if a font package is
 * missing.
 */
export function runOfShowPdf(show: RunOfShow): Promise<Buffer> {
  const pdf = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: pdfTitle(show), Creator: 'WedSync Hub' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  writeText(pdf, show.title || 'Wedding', { style: 'bold', size: 18 });
  writeText(pdf, [
    show.vendor ? `Run-of-show for ${isolate(show.vendor.name)}` : 'Run-of-show: the whole day',
    show.date ? longDate(show.date) : '', isolate(show.venue), `Times in ${show.timeZone || 'UTC (the wedding has no time zone)'}`,
  ].filter(Boolean).join(' · '), { style: 'regular', size: 11 });
  if (show.vendor && (show.vendor.email || show.vendor.phone)) {
    writeText(pdf, `Contact: ${[show.vendor.email, show.vendor.phone].filter(Boolean).join(' · ')}`, { style: 'regular', size: 11 });
  }
  pdf.moveDown();
  if (show.rows.length === 0) writeText(pdf, show.vendor ? `${isolate(show.vendor.name)} is on no event of this day.` : 'No events yet.', { style: 'regular', size: 11 });

  let day = show.date;
  for (const row of show.rows) {
    if (row.day && row.day !== day) {
      day = row.day;
      pdf.moveDown(0.5);
      writeText(pdf, `${longDate(row.day)} (next day)`, { style: 'bold', size: 12, x: MARGIN });
    }
    writeRow(pdf, row);
  }
  pdf.end();
  return done;
}

function writeRow(pdf: PDFKit.PDFDocument, row: RunOfShowRow): void {
  const width = pdf.page.width - 2 * MARGIN - TIME_WIDTH;
  const x = MARGIN + TIME_WIDTH;
  if (pdf.y > pdf.page.height - MARGIN - 60) pdf.addPage();
  const top = pdf.y;
  writeText(pdf, `${row.start}-${row.end}${row.endDays > 0 ? ` +${row.endDays}d` : ''}`, { style: 'bold', size: 11, x: MARGIN, y: top, width: TIME_WIDTH - 8 });
  writeText(pdf, row.title, { style: 'bold', size: 11, x, y: top, width });
  if (row.location) writeText(pdf, `Where: ${isolate(row.location)}`, { style: 'regular', size: 10, x, y: pdf.y, width });
  for (const v of row.vendors) {
    const contact = [v.email, v.phone].filter(Boolean).join(', ');
    writeText(pdf, `${isolate(v.name)} (${isolate(v.category)})${contact ? `: ${contact}` : ''}`, { style: 'regular', size: 10, x, y: pdf.y, width });
  }
  for (const c of row.crew) {
    const parts = [c.callTime ? `call time ${c.callTime}` : '', c.confirmed ? 'confirmed' : '', isolate(c.notes)].filter(Boolean);
    if (parts.length) writeText(pdf, `${isolate(c.vendorName || c.vendorId)}: ${parts.join(' · ')}`, { style: 'regular', size: 10, x, y: pdf.y, width });
  }
  if (row.notes.trim()) writeText(pdf, `Notes: ${isolate(row.notes.trim())}`, { style: 'italic', size: 10, x, y: pdf.y, width });
  pdf.moveDown(0.6);
  pdf.x = MARGIN;
}

function pdfTitle(show: RunOfShow): string {
  return `${show.title || 'Wedding'} run-of-show${show.vendor ? ` (${show.vendor.name})` : ''}`;
}
