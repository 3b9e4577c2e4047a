/*
 * Which URLs rendered markdown may link to or load. No dependencies, so the chat component can
 * re-check a placeholder's URL at click time without pulling the renderer into its chunk.
 */

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp)[;,][\w+/=;,.%~-]*$/i;
const HTTP_PREFIX = /^https?:/i;
const MAILTO_PREFIX = /^mailto:/i;

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
