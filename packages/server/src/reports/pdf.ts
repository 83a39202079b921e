import fs from 'node:fs';
import PDFDocument from 'pdfkit';

const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const FONTS = { body: `${DEJAVU}/DejaVuSans.ttf`, bold: `${DEJAVU}/DejaVuSans-Bold.ttf`, mono: `${DEJAVU}/DejaVuSansMono.ttf` };

/** An A4 report being written: the document, its font names, its text column, and the finished bytes. */
export interface ReportPdf {
  doc: PDFKit.PDFDocument;
  /** Font names to pass to `doc.font`: DejaVu when installed, else the PDF's built-in fonts. */
  body: string;
  strong: string;
  mono: string;
  left: number;
  width: number;
  /** Resolves with the file once `doc.end()` has been called. */
  done: Promise<Buffer>;
}

/**
 * Starts every report the same way. DejaVu covers every name people type (beyond Latin-1); Helvetica and Courier,
 * built into PDF readers, are the fallback where the fonts are missing.
 */
export function reportPdf(options: { title: string; margin?: number; lang?: string }): ReportPdf {
  const doc = new PDFDocument({ size: 'A4', margin: options.margin ?? 50, info: { Title: options.title, Creator: 'Plenum' }, ...(options.lang ? { lang: options.lang } : {}) });
  const hasDejaVu = Object.values(FONTS).every((file) => fs.existsSync(file));
  if (hasDejaVu) for (const [name, file] of Object.entries(FONTS)) doc.registerFont(name, file);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  return {
    doc,
    body: hasDejaVu ? 'body' : 'Helvetica',
    strong: hasDejaVu ? 'bold' : 'Helvetica-Bold',
    mono: hasDejaVu ? 'mono' : 'Courier',
    left,
    width,
    done,
  };
}
