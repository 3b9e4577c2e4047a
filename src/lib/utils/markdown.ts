import DOMPurify from 'dompurify';
import type { Config, DOMPurify as Purifier, UponSanitizeAttributeHookEvent } from 'dompurify';
import { Lexer, Marked, Tokenizer } from 'marked';
import type {
	MarkedExtension,
	MarkedOptions,
	Token,
	TokenizerAndRendererExtension,
	Tokens
} from 'marked';
import markedKatex from 'marked-katex-extension';
// Imported here, not in app.css, so KaTeX's stylesheet ships only with this lazily loaded chunk.
import 'katex/dist/katex.min.css';

/*
 * Markdown → safe HTML for untrusted model output.
 *
 * marked (GFM + KaTeX) → DOMPurify, which hands back its inert DOM → our own elements (image
 * placeholders, copy buttons) are added to that inert DOM → serialised once. Nothing we add is
 * re-parsed before `{@html}` parses the result, and no <img> ever lives in a live document.
 *
 * marked has super-linear corners (emphasis runs, deep nesting) and KaTeX is slow per formula,
 * so every render carries budgets; past them we degrade to plain text, never to unsafe output.
 */

const HTML_NS = 'http://www.w3.org/1999/xhtml';

/** Marks the code-block wrappers our renderer emits; survives sanitising only with this render's nonce. */
const MARK_ATTR = 'data-hearth-n';

/** Prefix DOMPurify gives every id/name (SANITIZE_NAMED_PROPS); SVG `#refs` are rewritten to match. */
const NAMED_PROPS_PREFIX = 'user-content-';

/** Longest single-line `$…$` we try as math; bounds each regex attempt. */
const MAX_INLINE_MATH = 2000;
/** Longest `$$\n…\n$$` block we try as math. */
const MAX_BLOCK_MATH = 50_000;
/** Characters the KaTeX tokenizers may scan per render (`$x\` repeated fails at every `$`). */
const MATH_SCAN_BUDGET = 5_000_000;
/** Formulas KaTeX renders per render, and their total TeX length. */
const MATH_RENDER_BUDGET = 2000;
const MATH_CHAR_BUDGET = 200_000;
/**
 * marked's emphasis/link scanning is roughly (run length × delimiters) per inline run.
 * Runs beyond this per-render budget render as plain text (~1 s worst case on a laptop).
 */
const INLINE_COST_BUDGET = 300_000_000;
/** marked re-lexes nested containers once per level: cost ≈ Σ line length × nesting depth. */
const NESTING_COST_BUDGET = 40_000_000;
/** Quote/list markers on one line beyond which the input is treated as hostile. */
const MAX_LINE_MARKERS = 64;

const FORBID_TAGS = [
	'script',
	'style',
	'iframe',
	'object',
	'embed',
	'applet',
	'form',
	'input',
	'button',
	'textarea',
	'select',
	'option',
	'optgroup',
	'datalist',
	'dialog',
	'link',
	'meta',
	'base',
	'video',
	'audio',
	'source',
	'picture',
	'track',
	'frame',
	'frameset',
	'noscript',
	'template',
	'portal',
	'marquee'
];

const FORBID_ATTR = [
	'srcset',
	'ping',
	'background',
	'poster',
	'formaction',
	'action',
	'download',
	'autofocus'
];

/** CSS that can fetch a remote resource (a privacy leak), or hide one behind an escape. */
const CSS_RESOURCE =
	/url\s*\(|image-set|image\s*\(|cross-fade|@import|expression\s*\(|src\s*\(|behavior|binding|\\/i;

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp)[;,][\w+/=;,.%~-]*$/i;
const HTTP_PREFIX = /^https?:/i;
const MAILTO_PREFIX = /^mailto:/i;
const ON_ATTR = /^on/i;
/** One block-container marker (quote or list item) at the sticky position. */
const CONTAINER_MARKER = /[ \t]*(?:>|[-+*](?=[ \t])|\d{1,9}[.)](?=[ \t]))/y;

const ESCAPES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;'
};

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function httpUrl(value: string): URL | null {
	if (!HTTP_PREFIX.test(value)) return null;
	try {
		const url = new URL(value);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
	} catch {
		return null;
	}
}

/**
 * The URL an image placeholder may load: normalised http(s), or a raster `data:image/…` URL;
 * `null` otherwise. Exported so the click handler re-validates what it reads back from the DOM.
 */
export function safeImageSrc(raw: string): string | null {
	const value = raw.trim();
	if (DATA_IMAGE.test(value)) return value;
	return httpUrl(value)?.href ?? null;
}

/** Link targets that may survive: http(s) (normalised) and mailto. */
export function safeLinkHref(raw: string): string | null {
	const value = raw.trim();
	if (MAILTO_PREFIX.test(value)) return value;
	return httpUrl(value)?.href ?? null;
}

/** Fence info string → a class-safe language name; "text" when there is none. */
function codeLanguage(info: string | undefined): string {
	const first = (info ?? '').trim().match(/^\S{0,64}/)?.[0] ?? '';
	const lang = first.toLowerCase().replace(/[^a-z0-9+#-]/g, '');
	return lang === '' ? 'text' : lang;
}

// ---------------------------------------------------------------------------------------------
// Per-render state. Rendering is synchronous, so these module-level values cannot interleave.

interface Budget {
	mathScan: number;
	mathRenders: number;
	mathChars: number;
	inline: number;
}

let nonce = '';
let budget: Budget = freshBudget();

function freshBudget(): Budget {
	return {
		mathScan: MATH_SCAN_BUDGET,
		mathRenders: MATH_RENDER_BUDGET,
		mathChars: MATH_CHAR_BUDGET,
		inline: INLINE_COST_BUDGET
	};
}

function newNonce(): string {
	const words = crypto.getRandomValues(new Uint32Array(4));
	return Array.from(words, (n) => n.toString(36)).join('');
}

// ---------------------------------------------------------------------------------------------
// Complexity guards

/**
 * Nesting a line can open: leading indentation (2 columns a level) plus container markers.
 * Returns -1 when the markers alone exceed any sane depth.
 */
function lineDepth(source: string, start: number, end: number): number {
	let columns = 0;
	let i = start;
	for (; i < end; i++) {
		const c = source.charCodeAt(i);
		if (c === 32) columns++;
		else if (c === 9) columns += 4 - (columns % 4);
		else break;
	}
	let markers = 0;
	CONTAINER_MARKER.lastIndex = i;
	while (CONTAINER_MARKER.lastIndex < end && CONTAINER_MARKER.test(source)) {
		if (++markers > MAX_LINE_MARKERS) return -1;
	}
	return (columns >> 1) + markers;
}

/**
 * True when marked would spend too long (or overflow the stack) on nested containers.
 * Indentation alone only adds cost, so ASCII art or deeply indented code is not penalised.
 */
function tooDeeplyNested(source: string): boolean {
	let cost = 0;
	let start = 0;
	while (start < source.length) {
		const newline = source.indexOf('\n', start);
		const end = newline === -1 ? source.length : newline;
		const depth = lineDepth(source, start, end);
		if (depth < 0) return true;
		cost += depth * (end - start + 1);
		if (cost > NESTING_COST_BUDGET) return true;
		start = end + 1;
	}
	return false;
}

/** Rough cost of lexing one inline run: its length times the characters that start a scan. */
function inlineCost(src: string): number {
	let specials = 0;
	let previous = 0;
	for (let i = 0; i < src.length; i++) {
		const c = src.charCodeAt(i);
		// * _ ~ ` [ ] ( ) < > ! $ \ and runs of spaces
		if (
			c === 42 ||
			c === 95 ||
			c === 126 ||
			c === 96 ||
			c === 91 ||
			c === 93 ||
			c === 40 ||
			c === 41 ||
			c === 60 ||
			c === 62 ||
			c === 33 ||
			c === 36 ||
			c === 92 ||
			(c === 32 && previous === 32)
		) {
			specials++;
		}
		previous = c;
	}
	return src.length * (specials + 1);
}

/** Charges one top-level inline run; nested runs (link text, emphasis) were paid for by it. */
class BoundedLexer<P = string, R = string> extends Lexer<P, R> {
	#depth = 0;

	override inlineTokens(src: string, tokens: Token[] = []): Token[] {
		if (this.#depth > 0) return super.inlineTokens(src, tokens);
		budget.inline -= inlineCost(src);
		if (budget.inline < 0) {
			const text: Tokens.Text = { type: 'text', raw: src, text: src, escaped: false };
			tokens.push(text);
			return tokens;
		}
		this.#depth++;
		try {
			return super.inlineTokens(src, tokens);
		} finally {
			this.#depth--;
		}
	}
}

function lexBounded<P = string, R = string>(src: string, options?: MarkedOptions<P, R>): Token[] {
	return new BoundedLexer<P, R>(options).lex(src);
}

/**
 * marked-katex-extension's inline `start()` rescans the rest of the paragraph from every `$`
 * (minutes for 10 KB of `$x\`). We drop it, cut text tokens at `$` in `inlineText` instead,
 * and run both tokenizers on a bounded slice under the render's math budgets.
 */
function boundedKatex(extension: MarkedExtension): MarkedExtension {
	const extensions = (extension.extensions ?? []).map((ext): TokenizerAndRendererExtension => {
		if (!('tokenizer' in ext)) return ext;
		const original = ext.tokenizer;
		const inline = ext.level === 'inline';
		const max = inline ? MAX_INLINE_MATH : MAX_BLOCK_MATH;
		return {
			...ext,
			start: undefined,
			tokenizer(src, tokens) {
				if (src.charCodeAt(0) !== 36 /* $ */) return undefined;
				if (budget.mathScan <= 0 || budget.mathRenders <= 0 || budget.mathChars <= 0) {
					return undefined;
				}
				const slice = src.length > max ? src.slice(0, max) : src;
				const token = original.call(this, slice, tokens);
				if (!token) {
					// What the failed regex scanned: inline math stops at the line end.
					const newline = inline ? slice.indexOf('\n') : -1;
					budget.mathScan -= newline === -1 ? slice.length : newline;
					return undefined;
				}
				budget.mathScan -= token.raw.length;
				// A match that ends exactly where we cut the input may not be a match on the whole.
				if (slice !== src && token.raw.length === slice.length) return undefined;
				budget.mathRenders--;
				budget.mathChars -= token.raw.length;
				return token;
			}
		};
	});
	return { ...extension, extensions };
}

function createMarked(): Marked {
	return new Marked(
		{ gfm: true, breaks: true, async: false },
		boundedKatex(
			markedKatex({
				throwOnError: false,
				nonStandard: true,
				// Model output is full of odd glyphs; 'warn' would log each one.
				strict: 'ignore',
				// \href, \includegraphics and friends stay off: they could load or link anything.
				trust: false,
				maxSize: 50,
				maxExpand: 1000
			})
		),
		{
			hooks: {
				provideLexer(block) {
					return block === false ? Lexer.lexInline : lexBounded;
				}
			},
			tokenizer: {
				inlineText(src) {
					// Stop plain text before a `$` so inline math gets its chance there.
					const token = Tokenizer.prototype.inlineText.call(this, src);
					if (!token) return undefined;
					const cut = token.raw.indexOf('$', 1);
					return cut === -1 ? token : Tokenizer.prototype.inlineText.call(this, src.slice(0, cut));
				}
			},
			renderer: {
				code({ text, lang }: Tokens.Code): string {
					const language = codeLanguage(lang);
					// The copy button is added after sanitising; the nonce proves this wrapper is ours.
					return (
						`<div class="code-block" ${MARK_ATTR}="${nonce}"><div class="code-head">` +
						`<span class="code-lang">${language}</span></div>` +
						`<pre><code class="language-${language}">${escapeHtml(text)}</code></pre></div>\n`
					);
				},
				checkbox({ checked }: Tokens.Checkbox): string {
					// <input> is forbidden in model output, so task lists show a glyph instead.
					return `<span class="task-box">${checked ? '☑' : '☐'}</span> `;
				}
			}
		}
	);
}

// ---------------------------------------------------------------------------------------------
// Sanitising

function onAttribute(node: Element, data: UponSanitizeAttributeHookEvent): void {
	const name = data.attrName;
	if (name === MARK_ATTR) {
		const ours =
			nonce !== '' &&
			data.attrValue === nonce &&
			node.localName === 'div' &&
			node.namespaceURI === HTML_NS;
		data.forceKeepAttr = ours ? true : undefined;
		data.keepAttr = ours;
		return;
	}
	if (ON_ATTR.test(name)) {
		data.keepAttr = false;
		return;
	}
	// Outside HTML, presentation attributes (fill, filter, mask…) take url() too.
	const isCss = name === 'style' || node.namespaceURI !== HTML_NS;
	if (isCss && CSS_RESOURCE.test(data.attrValue)) data.keepAttr = false;
}

function afterAttributes(node: Element): void {
	if (node.namespaceURI === HTML_NS) {
		if (node.localName === 'a' || node.localName === 'area') {
			const raw = node.getAttribute('href');
			const href = raw === null ? null : safeLinkHref(raw);
			if (href === null) {
				node.removeAttribute('href');
				node.removeAttribute('target');
				node.removeAttribute('rel');
			} else {
				node.setAttribute('href', href);
				node.setAttribute('target', '_blank');
				node.setAttribute('rel', 'noopener noreferrer nofollow');
			}
		} else {
			node.removeAttribute('href');
		}
		return;
	}
	// SVG and MathML may only point inside the message, never fetch.
	for (const attr of ['href', 'xlink:href']) {
		const value = node.getAttribute(attr);
		if (value === null) continue;
		if (value.length > 1 && value.startsWith('#')) {
			node.setAttribute(attr, `#${NAMED_PROPS_PREFIX}${value.slice(1)}`);
		} else {
			node.removeAttribute(attr);
		}
	}
}

const PURIFY_CONFIG = {
	RETURN_DOM: true,
	ALLOW_DATA_ATTR: false,
	ALLOW_UNKNOWN_PROTOCOLS: false,
	SANITIZE_NAMED_PROPS: true,
	// KaTeX's MathML keeps the TeX source in <annotation>: text only, unlike annotation-xml.
	ADD_TAGS: ['semantics', 'annotation'],
	FORBID_TAGS,
	FORBID_ATTR
} satisfies Config;

let purifier: Purifier | null = null;

function getPurifier(): Purifier | null {
	if (purifier) return purifier;
	if (typeof window === 'undefined') return null;
	const instance = DOMPurify(window);
	if (!instance.isSupported) return null;
	// A private instance, so these hooks never reach other users of DOMPurify.
	instance.addHook('uponSanitizeAttribute', onAttribute);
	instance.addHook('afterSanitizeAttributes', afterAttributes);
	purifier = instance;
	return instance;
}

// ---------------------------------------------------------------------------------------------
// Elements we add to the sanitised (inert) DOM

/** Every image becomes a click-to-load placeholder, or its alt text when its src is unusable. */
function replaceImage(img: Element, body: Element): void {
	const doc = img.ownerDocument;
	const parent = img.parentNode;
	if (!parent) return;
	const alt = img.getAttribute('alt') ?? '';
	const src = safeImageSrc(img.getAttribute('src') ?? '');
	if (src === null) {
		parent.replaceChild(doc.createTextNode(alt), img);
		return;
	}
	const button = doc.createElement('button');
	button.setAttribute('type', 'button');
	button.setAttribute('class', 'remote-image');
	button.setAttribute('data-src', src);
	button.setAttribute('data-alt', alt);
	const host = src.startsWith('data:') ? null : new URL(src).host;
	button.textContent = host === null ? 'Load embedded image' : `Load image from ${host}`;
	// Keep placeholders off the top level so swapping one for an <img> later never touches
	// the nodes Svelte's {@html} block tracks.
	if (parent === body) {
		const p = doc.createElement('p');
		p.append(button);
		parent.replaceChild(p, img);
	} else {
		parent.replaceChild(button, img);
	}
}

function addCopyButton(block: Element): void {
	block.removeAttribute(MARK_ATTR);
	const head = block.firstElementChild;
	if (!head || !head.classList.contains('code-head')) return;
	const button = block.ownerDocument.createElement('button');
	button.setAttribute('type', 'button');
	button.setAttribute('class', 'copy-code');
	button.textContent = 'Copy';
	head.append(button);
}

function isElement(node: Node): node is Element {
	return node.nodeType === 1;
}

function plainText(source: string): string {
	return `<p class="plain-text">${escapeHtml(source)}</p>`;
}

let markedInstance: Marked | null = null;

/**
 * Renders untrusted markdown to HTML that is safe for `{@html}`: no scripts or handlers, no
 * auto-loaded remote resources, links open in a new tab without a referrer. Input that would
 * make marked pathologically slow, or that fails to render, comes back as escaped plain text.
 */
export function renderMarkdown(source: string): string {
	const purify = getPurifier();
	// Without a DOM we cannot sanitise, so fail closed.
	if (!purify || tooDeeplyNested(source)) return plainText(source);
	markedInstance ??= createMarked();
	nonce = newNonce();
	budget = freshBudget();
	try {
		const dirty = markedInstance.parse(source, { async: false });
		const body = purify.sanitize(dirty, PURIFY_CONFIG);
		if (!isElement(body)) return plainText(source);
		for (const img of Array.from(body.querySelectorAll('img'))) replaceImage(img, body);
		for (const block of Array.from(body.querySelectorAll(`div[${MARK_ATTR}]`))) {
			addCopyButton(block);
		}
		return body.innerHTML;
	} catch {
		// KaTeX can throw despite throwOnError (non-parse errors); marked can overflow the stack.
		return plainText(source);
	} finally {
		nonce = '';
	}
}
