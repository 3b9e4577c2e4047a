import type { ParsedSection } from '$lib/types/knowledge';
import type { Line } from './lines';
import { SectionBuffer } from './section-buffer';

// Plain text: sections of bounded size, cut at a blank line when one comes after the soft limit.
// They carry no headings, so the chunker treats the whole file as one run and overlaps across.

export const TEXT_SECTION_SOFT_CHARS = 8 * 1024;
export const TEXT_SECTION_HARD_CHARS = 32 * 1024;

export async function* parseText(lines: AsyncIterable<Line>): AsyncGenerator<ParsedSection> {
	const buffer = new SectionBuffer();
	for await (const line of lines) {
		const blank = !buffer.midLine && line.text.trim() === '';
		if (
			(blank && buffer.chars >= TEXT_SECTION_SOFT_CHARS) ||
			buffer.chars >= TEXT_SECTION_HARD_CHARS
		) {
			const section = buffer.take();
			if (section) yield section;
		}
		buffer.add(line);
	}
	const section = buffer.take();
	if (section) yield section;
}
