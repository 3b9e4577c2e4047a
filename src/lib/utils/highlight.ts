import type { HLJSApi, LanguageFn } from 'highlight.js';
import { yieldToMain } from '$lib/utils/yield';

/** Larger blocks stay plain: highlighting them would stall the main thread for little gain. */
const MAX_HIGHLIGHT_CHARS = 100_000;
/** Yield to the event loop after this much highlighting so long answers don't freeze input. */
const SLICE_MS = 12;
const DONE_ATTR = 'data-highlighted';
const LANGUAGE_CLASS = /(?:^|\s)language-([a-z0-9+#-]+)/;

type LanguageModule = { default: LanguageFn };

// One dynamic import per grammar so each lands in its own small chunk.
const LANGUAGES: ReadonlyArray<readonly [string, () => Promise<LanguageModule>]> = [
	['javascript', () => import('highlight.js/lib/languages/javascript')],
	['typescript', () => import('highlight.js/lib/languages/typescript')],
	['python', () => import('highlight.js/lib/languages/python')],
	['bash', () => import('highlight.js/lib/languages/bash')],
	['shell', () => import('highlight.js/lib/languages/shell')],
	['json', () => import('highlight.js/lib/languages/json')],
	['xml', () => import('highlight.js/lib/languages/xml')],
	['css', () => import('highlight.js/lib/languages/css')],
	['rust', () => import('highlight.js/lib/languages/rust')],
	['go', () => import('highlight.js/lib/languages/go')],
	['java', () => import('highlight.js/lib/languages/java')],
	['c', () => import('highlight.js/lib/languages/c')],
	['cpp', () => import('highlight.js/lib/languages/cpp')],
	['sql', () => import('highlight.js/lib/languages/sql')],
	['yaml', () => import('highlight.js/lib/languages/yaml')],
	['markdown', () => import('highlight.js/lib/languages/markdown')],
	['diff', () => import('highlight.js/lib/languages/diff')]
];

let hljsPromise: Promise<HLJSApi> | null = null;

async function createHighlighter(): Promise<HLJSApi> {
	const [core, ...grammars] = await Promise.all([
		import('highlight.js/lib/core'),
		...LANGUAGES.map(([, load]) => load())
	]);
	// A private instance: registrations here never leak into other users of highlight.js.
	const hljs = core.default.newInstance();
	hljs.configure({ ignoreUnescapedHTML: true });
	grammars.forEach((grammar, i) => {
		const name = LANGUAGES[i]?.[0];
		if (name) hljs.registerLanguage(name, grammar.default);
	});
	// The grammars bring their own aliases (js, ts, py, sh, zsh, html, svg, yml, rs, c++, patch…).
	return hljs;
}

function loadHighlighter(): Promise<HLJSApi> {
	hljsPromise ??= createHighlighter().catch((error: unknown) => {
		// Forget the failure (e.g. a chunk missing while offline) so the next call can retry.
		hljsPromise = null;
		throw error;
	});
	return hljsPromise;
}

function pendingBlocks(root: HTMLElement): HTMLElement[] {
	return Array.from(
		root.querySelectorAll<HTMLElement>(`pre code[class*="language-"]:not([${DONE_ATTR}])`)
	);
}

/**
 * Syntax-highlights every not-yet-highlighted `pre code.language-*` under `root`.
 * Unknown languages and blocks over 100 KB stay plain. hljs builds its markup from the
 * block's textContent and escapes it, so the result is as safe as the text it came from.
 */
export async function highlightWithin(root: HTMLElement): Promise<void> {
	// Don't fetch highlight.js at all for answers without code.
	if (pendingBlocks(root).length === 0) return;
	const hljs = await loadHighlighter();
	let sliceStart = performance.now();
	for (const code of pendingBlocks(root)) {
		if (performance.now() - sliceStart > SLICE_MS) {
			await yieldToMain();
			sliceStart = performance.now();
		}
		// The answer may have re-rendered while we yielded.
		if (!code.isConnected || code.hasAttribute(DONE_ATTR)) continue;
		code.setAttribute(DONE_ATTR, 'yes');
		const language = LANGUAGE_CLASS.exec(code.className)?.[1];
		if (!language || !hljs.getLanguage(language)) continue;
		const text = code.textContent ?? '';
		if (text.length > MAX_HIGHLIGHT_CHARS) continue;
		const { value } = hljs.highlight(text, { language, ignoreIllegals: true });
		code.innerHTML = value;
		code.classList.add('hljs');
	}
}
