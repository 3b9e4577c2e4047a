// Mammoth's HTML → Markdown-like text, without a DOM (ingest may run in a worker, which has no
// DOMParser). Mammoth writes a small, regular subset: h1–h6, p, ul/ol/li, table/tr/td/th,
// strong/em/a/img/br, with &, <, > and " escaped. Headings become '#' lines for parseMarkdown.

const ENTITIES: Record<string, string> = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	apos: "'",
	nbsp: ' '
};

function decode(text: string): string {
	return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ent: string) => {
		if (ent[0] === '#') {
			const code =
				ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : Number(ent.slice(1));
			return Number.isFinite(code) && code > 0 && code <= 0x10ffff
				? String.fromCodePoint(code)
				: whole;
		}
		return ENTITIES[ent.toLowerCase()] ?? whole;
	});
}

export function docxHtmlToText(html: string): string {
	return decode(
		html
			.replace(/<h([1-6])[^>]*>/gi, (_, level: string) => `\n\n${'#'.repeat(Number(level))} `)
			.replace(/<\/(h[1-6]|p|ul|ol|table)>/gi, '\n\n')
			.replace(/<(p|ul|ol|table)(\s[^>]*)?>/gi, '\n\n')
			.replace(/<li(\s[^>]*)?>/gi, '\n- ')
			.replace(/<br\s*\/?>/gi, '\n')
			.replace(/<\/t[dh]>/gi, ' | ')
			.replace(/<\/tr>/gi, '\n')
			.replace(/<[^>]+>/g, '')
	)
		.replace(/[ \t]+\n/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}
