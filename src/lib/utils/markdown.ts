import type { DOMPurify as Purifier } from 'dompurify';
import { Lexer, Marked } from 'marked';
import type { Tokens } from 'marked';
import { boundedLexer, freshInlineBudget, tooDeeplyNested } from '$lib/utils/markdown-guards';
import type { InlineBudget } from '$lib/utils/markdown-guards';
import { freshMathBudget, mathExtensions } from '$lib/utils/markdown-math';
import type { MathBudget } from '$lib/utils/markdown-math';
import { createPurifier, MARK_ATTR, PURIFY_CONFIG } from '$lib/utils/markdown-sanitize';
import { safeImageSrc } from '$lib/utils/markdown-urls';
// Imported here, not in app.css or the component, so both stylesheets ship only with this lazily
// loaded chunk. Ours must come second: it wins equal-specificity ties (.katex-display's margin).
import 'katex/dist/katex.min.css';
import '$lib/utils/markdown-content.css';

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

/** Fence info string → a class-safe language name; "text" when there is none. */
function codeLanguage(info: string | undefined): string {
	const first = (info ?? '').trim().match(/^\S{0,64}/)?.[0] ?? '';
	const lang = first.toLowerCase().replace(/[^a-z0-9+#-]/g, '');
	return lang === '' ? 'text' : lang;
}

// ---------------------------------------------------------------------------------------------
// Per-render state. Rendering is synchronous, so these module-level values cannot interleave;
// the marked and DOMPurify instances are shared, so they read it through getters.

let nonce = '';
let mathBudget: MathBudget = freshMathBudget();
let inlineBudget: InlineBudget = freshInlineBudget();

function newNonce(): string {
	const words = crypto.getRandomValues(new Uint32Array(4));
	return Array.from(words, (n) => n.toString(36)).join('');
}

function createMarked(): Marked {
	const lexBounded = boundedLexer(() => inlineBudget);
	return new Marked(
		{ gfm: true, breaks: true, async: false },
		...mathExtensions(() => mathBudget),
		{
			hooks: {
				provideLexer(block) {
					return block === false ? Lexer.lexInline : lexBounded;
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
let purifier: Purifier | null = null;

/**
 * Renders untrusted markdown to HTML that is safe for `{@html}`: no scripts or handlers, no
 * auto-loaded remote resources, links open in a new tab without a referrer. Input that would
 * make marked pathologically slow, or that fails to render, comes back as escaped plain text.
 */
export function renderMarkdown(source: string): string {
	// Not cached while null: without a DOM we cannot sanitise, so fail closed and retry next time.
	const purify = (purifier ??= createPurifier(() => nonce));
	if (!purify || tooDeeplyNested(source)) return plainText(source);
	markedInstance ??= createMarked();
	nonce = newNonce();
	mathBudget = freshMathBudget();
	inlineBudget = freshInlineBudget();
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
