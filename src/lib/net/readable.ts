import { Readability } from '@mozilla/readability';

// HTML → readable text with Mozilla's Readability (Firefox Reader View). Parsing never runs
// the page's scripts: DOMParser documents are inert. Node tests pass jsdom's parser instead.

/** Builds an inert Document for `html`, as if it had been loaded from `url`. */
export type HtmlParser = (html: string, url: string) => Document;

export const browserHtmlParser: HtmlParser = (html, url) => {
	const doc = new DOMParser().parseFromString(html, 'text/html');
	// DOMParser documents have no address; a <base> lets Readability resolve relative links.
	if (!doc.querySelector('base')) {
		const base = doc.createElement('base');
		base.href = url;
		doc.head.prepend(base);
	}
	return doc;
};

export interface ReadablePage {
	title: string;
	text: string;
	byline?: string;
}

/** Documents with more elements than this skip Readability. */
export const MAX_ELEMENTS = 20_000;
const ELEMENT = 1;
const TEXT = 3;
const BLOCKS = new Set([
	'ADDRESS',
	'ARTICLE',
	'ASIDE',
	'BLOCKQUOTE',
	'DD',
	'DIV',
	'DL',
	'DT',
	'FIGCAPTION',
	'FIGURE',
	'FOOTER',
	'FORM',
	'H1',
	'H2',
	'H3',
	'H4',
	'H5',
	'H6',
	'HEADER',
	'HR',
	'LI',
	'MAIN',
	'NAV',
	'OL',
	'P',
	'PRE',
	'SECTION',
	'TABLE',
	'TR',
	'UL'
]);
const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME']);

/** Text with paragraph breaks kept (textContent runs paragraphs together). */
export function blockText(root: Node): string {
	const out: string[] = [];
	const walk = (node: Node) => {
		if (node.nodeType === TEXT) {
			out.push((node.textContent ?? '').replace(/\s+/g, ' '));
			return;
		}
		if (node.nodeType !== ELEMENT) return;
		const name = node.nodeName.toUpperCase();
		if (SKIP.has(name)) return;
		if (name === 'BR') return void out.push('\n');
		const block = BLOCKS.has(name);
		if (block) out.push('\n\n');
		if (name === 'LI') out.push('- ');
		if (/^H[1-6]$/.test(name)) out.push('#'.repeat(Number(name[1])) + ' ');
		for (const child of Array.from(node.childNodes)) walk(child);
		if (name === 'TD' || name === 'TH') out.push(' | ');
		if (block) out.push('\n\n');
	};
	walk(root);
	return out
		.join('')
		.replace(/[ \t]*\n[ \t]*/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.replace(/ {2,}/g, ' ')
		.trim();
}

/** The page's main text (Readability), or its whole body's text when Readability finds none. */
export function readablePage(doc: Document): ReadablePage {
	const fallbackTitle = doc.title.trim();
	const body = doc.body;
	let article: ReturnType<Readability<string>['parse']> = null;
	try {
		article = new Readability<string>(doc.cloneNode(true) as Document, {
			// Past this many elements Readability gets slow (minutes on a 1.5 MB page of spans); it
			// then throws, and the body text is used instead.
			maxElemsToParse: MAX_ELEMENTS,
			serializer: (node) => blockText(node)
		}).parse();
	} catch {
		article = null;
	}
	const text = article?.content?.trim() || (body ? blockText(body) : '');
	return {
		title: article?.title?.trim() || fallbackTitle,
		text,
		...(article?.byline ? { byline: article.byline.trim() } : {})
	};
}
