import DOMPurify from 'dompurify';
import type { Config, DOMPurify as Purifier, UponSanitizeAttributeHookEvent } from 'dompurify';
import { safeLinkHref } from '$lib/utils/markdown-urls';

/*
 * The DOMPurify policy for model output: what may survive, and the hooks that rewrite or drop
 * attributes DOMPurify alone would keep (remote CSS, unsafe links, SVG refs that could fetch).
 */

const HTML_NS = 'http://www.w3.org/1999/xhtml';

/** Marks the code-block wrappers our renderer emits; survives sanitising only with this render's nonce. */
export const MARK_ATTR = 'data-hearth-n';

/** Prefix DOMPurify gives every id/name (SANITIZE_NAMED_PROPS); SVG `#refs` are rewritten to match. */
const NAMED_PROPS_PREFIX = 'user-content-';

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

const ON_ATTR = /^on/i;

export const PURIFY_CONFIG = {
	RETURN_DOM: true,
	ALLOW_DATA_ATTR: false,
	ALLOW_UNKNOWN_PROTOCOLS: false,
	SANITIZE_NAMED_PROPS: true,
	// KaTeX's MathML keeps the TeX source in <annotation>: text only, unlike annotation-xml.
	ADD_TAGS: ['semantics', 'annotation'],
	FORBID_TAGS,
	FORBID_ATTR
} satisfies Config;

/** `nonce` is the current render's; '' outside a render, so no wrapper can be ours then. */
function onAttribute(node: Element, data: UponSanitizeAttributeHookEvent, nonce: string): void {
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

/**
 * A DOMPurify instance with our hooks, or null without a usable DOM. `currentNonce` is read on
 * every attribute, so one instance serves every render.
 */
export function createPurifier(currentNonce: () => string): Purifier | null {
	if (typeof window === 'undefined') return null;
	const instance = DOMPurify(window);
	if (!instance.isSupported) return null;
	// A private instance, so these hooks never reach other users of DOMPurify.
	instance.addHook('uponSanitizeAttribute', (node, data) =>
		onAttribute(node, data, currentNonce())
	);
	instance.addHook('afterSanitizeAttributes', afterAttributes);
	return instance;
}
