// Inspection helpers for the markdown tests (jsdom): parse rendered HTML inertly and list what
// would be unsafe in it.
import { expect } from 'vitest';

export function parse(html: string): HTMLElement {
	// A DOMParser document is inert: nothing in it loads or runs while we inspect it.
	return new DOMParser().parseFromString(`<!doctype html><body>${html}`, 'text/html').body;
}

/** The DOM-level guarantees every rendering must keep, whatever the input. */
export function domProblems(html: string): string[] {
	const body = parse(html);
	const problems: string[] = [];
	for (const el of Array.from(body.querySelectorAll('*'))) {
		const tag = el.localName;
		if (['script', 'img', 'iframe', 'object', 'embed', 'style', 'form', 'input'].includes(tag)) {
			problems.push(`<${tag}> element`);
		}
		if (tag === 'button' && !el.matches('button.copy-code, button.remote-image')) {
			problems.push('foreign <button>');
		}
		for (const attr of Array.from(el.attributes)) {
			const value = attr.value.trim().toLowerCase();
			if (/^on/i.test(attr.name)) problems.push(`${tag}[${attr.name}]`);
			if (['srcset', 'ping', 'background', 'poster', 'formaction'].includes(attr.name)) {
				problems.push(`${tag}[${attr.name}]`);
			}
			if (/^(?:javascript|vbscript|data):/.test(value) && attr.name !== 'data-src') {
				problems.push(`${tag}[${attr.name}=${value.slice(0, 20)}]`);
			}
			if (attr.name === 'style' && /url\s*\(|image-set|@import|expression\s*\(/.test(value)) {
				problems.push(`${tag}[style=${value}]`);
			}
		}
		if (tag === 'a' && el.hasAttribute('href')) {
			const href = el.getAttribute('href') ?? '';
			if (!/^(?:https?|mailto):/i.test(href)) problems.push(`a[href=${href}]`);
			if (el.getAttribute('rel') !== 'noopener noreferrer nofollow') problems.push('a without rel');
		}
	}
	return problems;
}

/**
 * Attributes as serialised markup: the serialiser always writes name="value" with `"` escaped
 * inside, so this sees exactly what a parser would, while text content can never match.
 */
export function markupAttributes(html: string): Array<{ name: string; value: string }> {
	const attributes: Array<{ name: string; value: string }> = [];
	for (const tag of html.matchAll(/<[a-z][^\s/>]*((?:\s+[^\s=/>]+(?:="[^"]*")?)*)\s*\/?>/gi)) {
		for (const attr of (tag[1] ?? '').matchAll(/\s+([^\s=/>]+)(?:="([^"]*)")?/g)) {
			attributes.push({ name: attr[1] ?? '', value: attr[2] ?? '' });
		}
	}
	return attributes;
}

export function expectSafe(html: string): void {
	// Text `<` is always escaped, so these can only match real elements.
	expect(html).not.toMatch(/<script/i);
	expect(html).not.toMatch(/<iframe/i);
	expect(html).not.toMatch(/<img/i);
	const attributes = markupAttributes(html);
	expect(attributes.filter((a) => /^on[a-z]+$/i.test(a.name))).toEqual([]);
	expect(attributes.filter((a) => /javascript:/i.test(a.value))).toEqual([]);
	expect(domProblems(html)).toEqual([]);
}
