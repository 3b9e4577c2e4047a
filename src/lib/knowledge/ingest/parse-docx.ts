import { docxHtmlToText } from './docx-html';
import { unreadable } from './errors';

// DOCX through mammoth: its HTML keeps Word's heading styles as h1–h6, which become the heading
// path of each section. mammoth is imported on first use (it is large and rarely needed).

export async function docxToText(name: string, data: ArrayBuffer): Promise<string> {
	const { default: mammoth } = await import('mammoth');
	// mammoth's Node build reads `buffer`, its browser build `arrayBuffer`; JSZip takes either.
	const input = { arrayBuffer: data, buffer: data };
	let html: string;
	try {
		html = (await mammoth.convertToHtml(input)).value;
	} catch (e) {
		throw unreadable(
			name,
			'it is not a valid Word document (the file is damaged or incomplete).',
			e
		);
	}
	return docxHtmlToText(html);
}
