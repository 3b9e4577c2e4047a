import type { ParsedSection } from '$lib/types/knowledge';
import type { Line } from './lines';
import { TEXT_SECTION_HARD_CHARS, TEXT_SECTION_SOFT_CHARS } from './parse-text';
import { SectionBuffer } from './section-buffer';

// Markdown: one section per heading, carrying the heading path (["Budget", "Q3"]). A '#' inside a
// code fence is code, not a heading, and a long section is only cut outside fences (unless a
// single fence passes the hard limit).

const ATX = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export async function* parseMarkdown(lines: AsyncIterable<Line>): AsyncGenerator<ParsedSection> {
	const buffer = new SectionBuffer();
	const path: { level: number; title: string }[] = [];
	let fence: string | null = null;
	const flush = () => {
		const headings = path.map((h) => h.title);
		return buffer.take(headings.length ? { headings } : {});
	};
	for await (const line of lines) {
		if (buffer.midLine) {
			buffer.add(line);
			continue;
		}
		const marker = FENCE.exec(line.text)?.[1];
		const heading = fence === null ? ATX.exec(line.text) : null;
		if (heading) {
			const section = flush();
			if (section) yield section;
			const level = (heading[1] as string).length;
			while (path.length > 0 && (path[path.length - 1] as { level: number }).level >= level) {
				path.pop();
			}
			path.push({ level, title: (heading[2] as string).trim() });
		} else if (
			(fence === null && line.text.trim() === '' && buffer.chars >= TEXT_SECTION_SOFT_CHARS) ||
			buffer.chars >= TEXT_SECTION_HARD_CHARS
		) {
			const section = flush();
			if (section) yield section;
		}
		buffer.add(line);
		if (marker) {
			if (fence === null) fence = marker;
			else if (marker[0] === fence[0] && marker.length >= fence.length) fence = null;
		}
	}
	const section = flush();
	if (section) yield section;
}
