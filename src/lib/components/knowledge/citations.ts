// Turns an answer's [1], [2] markers into buttons naming the cited source. Runs on the DOM that
// the markdown pipeline already sanitised (or on its HTML string, parsed inertly), and adds only
// one fixed element whose attributes are set with setAttribute, so a hostile title or id can never
// become markup. Markers in code, links, math or other buttons are left as they are.

export interface CitationSource {
	title: string;
	/** `hearth-doc:<docId>#chunk=<chunkId>` or `hearth-chat:<conversationId>#<messageId>`. */
	url: string;
}

export type CitationTarget =
	| { kind: 'doc'; docId: string; chunkId: string }
	| { kind: 'chat'; conversationId: string; messageId: string };

function decode(part: string): string | null {
	try {
		return decodeURIComponent(part);
	} catch {
		return null;
	}
}

/** Reads a source URL; null for anything that is not one of Hearth's two kinds. */
export function parseCitationUrl(url: string): CitationTarget | null {
	const doc = /^hearth-doc:([^#]+)#chunk=(.+)$/.exec(url);
	if (doc) {
		const docId = decode(doc[1] ?? '');
		const chunkId = decode(doc[2] ?? '');
		return docId && chunkId ? { kind: 'doc', docId, chunkId } : null;
	}
	const chat = /^hearth-chat:([^#]+)#(.+)$/.exec(url);
	if (chat) {
		const conversationId = decode(chat[1] ?? '');
		const messageId = decode(chat[2] ?? '');
		return conversationId && messageId ? { kind: 'chat', conversationId, messageId } : null;
	}
	return null;
}

/** "[1]", "[2, 3]", "[1,2]"; not "arr[1]" (a word character just before it). */
const MARKER = /(?<![\p{L}\p{N}_])\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/gu;

/** Elements whose text is code, a link, math or a control: never rewritten. */
const SKIP =
	'pre, code, kbd, samp, a, button, textarea, script, style, math, svg, .katex, .code-block';

const SHOW_TEXT = 4; // NodeFilter.SHOW_TEXT, without needing the global in Node tests.

export const CITE_CLASS = 'cite';

function citeButton(doc: Document, n: number, source: CitationSource, target: CitationTarget) {
	const button = doc.createElement('button');
	button.setAttribute('type', 'button');
	button.setAttribute('class', CITE_CLASS);
	button.setAttribute('data-cite', String(n));
	if (target.kind === 'doc') {
		button.setAttribute('data-cite-doc', target.docId);
		button.setAttribute('data-cite-chunk', target.chunkId);
	} else {
		button.setAttribute('data-cite-chat', target.conversationId);
		button.setAttribute('data-cite-message', target.messageId);
	}
	const title = source.title.trim() || (target.kind === 'doc' ? 'a document' : 'a conversation');
	button.setAttribute('aria-label', `Source ${n}: ${title}`);
	button.setAttribute('title', title);
	button.textContent = `[${n}]`;
	return button;
}

/** The replacement nodes for one marker, or null to leave it as text (no number has a source). */
function replacement(
	doc: Document,
	numbers: number[],
	targets: ReadonlyMap<number, { source: CitationSource; target: CitationTarget }>
): Node[] | null {
	if (!numbers.some((n) => targets.has(n))) return null;
	const nodes: Node[] = [];
	for (const n of numbers) {
		const known = targets.get(n);
		nodes.push(
			known ? citeButton(doc, n, known.source, known.target) : doc.createTextNode(`[${n}]`)
		);
	}
	return nodes;
}

/**
 * Rewrites the markers inside `root` in place (e.g. the rendered message after `{@html}`).
 * Source 1 is `sources[0]`. Returns how many buttons were added.
 */
export function linkCitationsIn(
	root: Element | DocumentFragment,
	sources: readonly CitationSource[]
): number {
	const doc = root.ownerDocument;
	if (!doc || sources.length === 0) return 0;
	const targets = new Map<number, { source: CitationSource; target: CitationTarget }>();
	sources.forEach((source, i) => {
		const target = parseCitationUrl(source.url);
		if (target) targets.set(i + 1, { source, target });
	});
	if (targets.size === 0) return 0;

	// Collected first: replacing nodes while walking would derail the walker.
	const texts: Text[] = [];
	const walker = doc.createTreeWalker(root, SHOW_TEXT);
	for (let node = walker.nextNode(); node; node = walker.nextNode()) {
		// Only skipping elements inside the root count (an Element contains itself).
		const skipped = node.parentElement?.closest(SKIP);
		if (skipped && root.contains(skipped)) continue;
		if (node.nodeValue?.includes('[')) texts.push(node as Text);
	}

	let added = 0;
	for (const text of texts) {
		const value = text.nodeValue ?? '';
		const parts: Node[] = [];
		let at = 0;
		for (const match of value.matchAll(MARKER)) {
			const numbers = (match[1] ?? '').split(',').map((s) => Number(s.trim()));
			const nodes = replacement(doc, numbers, targets);
			if (!nodes) continue;
			if (match.index > at) parts.push(doc.createTextNode(value.slice(at, match.index)));
			parts.push(...nodes);
			added += nodes.filter((n) => n.nodeType === 1).length;
			at = match.index + match[0].length;
		}
		if (parts.length === 0) continue;
		if (at < value.length) parts.push(doc.createTextNode(value.slice(at)));
		text.replaceWith(...parts);
	}
	return added;
}

/**
 * The same on an HTML string that `renderMarkdown` produced. The string is parsed in an inert
 * <template>, so nothing in it loads or runs, and serialised again.
 */
export function linkCitations(
	html: string,
	sources: readonly CitationSource[],
	doc: Document = document
): string {
	if (sources.length === 0 || !html.includes('[')) return html;
	const template = doc.createElement('template');
	template.innerHTML = html;
	if (linkCitationsIn(template.content, sources) === 0) return html;
	return template.innerHTML;
}
