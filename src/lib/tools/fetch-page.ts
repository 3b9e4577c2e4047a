import * as v from 'valibot';
import { checkFetchTarget } from '$lib/net/address';
import { browserHtmlParser, readablePage, type HtmlParser } from '$lib/net/readable';
import { fetchFollowingSafely } from '$lib/net/redirects';
import { decodeText, readLimited } from '$lib/net/request';
import type { Tool, ToolContext, ToolResult } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';

// fetch_page: a URL → the page's readable text. Only http(s), never a private or loopback
// target the user did not allow (every redirect hop too), at most MAX_BYTES read.

export const FETCH_PAGE = 'fetch_page';
/** Bytes read from the network; a page is cut here (most articles are far smaller). */
export const MAX_BYTES = 1_500_000;
/** Characters handed to the model; more would crowd out the conversation. */
export const MAX_CHARS = 20_000;

const schema = v.object({
	url: v.pipe(
		v.string(),
		v.trim(),
		v.minLength(1, 'Give the address of the page to read.'),
		v.maxLength(4000, 'The address is longer than 4000 characters.'),
		v.description('The full http or https address of the page, e.g. from a web_search result.')
	)
});

type Args = v.InferOutput<typeof schema>;

export interface FetchPageOptions {
	/** Builds a Document from HTML: DOMParser in the browser, jsdom in Node tests. */
	parseHtml?: HtmlParser;
	/** The app's origin, to explain CORS failures (defaults to location.origin). */
	pageOrigin?: string;
}

type Kind = 'html' | 'text' | 'json' | 'binary' | 'unknown';

function kindOf(contentType: string | null): Kind {
	const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
	if (type === '') return 'unknown';
	if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
	if (type === 'application/json' || type.endsWith('+json')) return 'json';
	if (type.startsWith('text/') || type === 'application/xml' || type.endsWith('+xml')) {
		return 'text';
	}
	return 'binary';
}

/** A body with NUL bytes near its start is not text, whatever it claims. */
function looksBinary(bytes: Uint8Array): boolean {
	return bytes.subarray(0, 1024).includes(0);
}

function describeBinary(type: string | null): string {
	const t = (type ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
	if (t === 'application/pdf') return 'a PDF';
	if (t.startsWith('image/')) return 'an image';
	if (t.startsWith('audio/')) return 'audio';
	if (t.startsWith('video/')) return 'a video';
	if (t === '') return 'a file that is not text';
	return `a file of type ${t}`;
}

function unreadable(url: URL, type: string | null): HearthError {
	return new HearthError(
		'content_unreadable',
		`${url.href} is ${describeBinary(type)}, and fetch_page only reads web pages and text.`
	);
}

function cap(text: string): { text: string; capped: boolean } {
	if (text.length <= MAX_CHARS) return { text, capped: false };
	return { text: text.slice(0, MAX_CHARS), capped: true };
}

function extract(
	kind: Kind,
	raw: string,
	url: URL,
	parseHtml: HtmlParser
): { title: string; text: string } {
	if (kind === 'html') return readablePage(parseHtml(raw, url.href));
	if (kind === 'json') {
		try {
			return { title: '', text: JSON.stringify(JSON.parse(raw), null, 2) };
		} catch {
			return { title: '', text: raw };
		}
	}
	return { title: '', text: raw.trim() };
}

async function read(args: Args, ctx: ToolContext, options: FetchPageOptions): Promise<ToolResult> {
	const start = checkFetchTarget(args.url, ctx.settings.allowedPrivateHosts);
	const { response, url } = await fetchFollowingSafely(ctx, start, {
		purpose: `read a page (${start.host})`,
		tool: FETCH_PAGE,
		init: { headers: { Accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5' } },
		...(options.pageOrigin ? { pageOrigin: options.pageOrigin } : {})
	});
	const type = response.headers.get('content-type');
	if (!response.ok) {
		await response.body?.cancel().catch(() => {});
		throw new HearthError('tool_failed', `${url.href} answered ${response.status}.`, {
			status: response.status
		});
	}
	const kind = kindOf(type);
	if (kind === 'binary') {
		await response.body?.cancel().catch(() => {});
		throw unreadable(url, type);
	}
	const { bytes, truncated } = await readLimited(response, MAX_BYTES, ctx.signal);
	if (looksBinary(bytes)) throw unreadable(url, kind === 'unknown' ? null : type);
	const raw = decodeText(bytes, type);
	const looksHtml = kind === 'unknown' && /^\s*<(!doctype html|html)/i.test(raw);
	const page = extract(looksHtml ? 'html' : kind, raw, url, options.parseHtml ?? browserHtmlParser);
	if (page.text === '') {
		if (truncated) {
			throw new HearthError(
				'content_too_large',
				`${url.href} is larger than ${MAX_BYTES / 1_000_000} MB and its first part has no ` +
					'readable text.'
			);
		}
		throw new HearthError(
			'content_unreadable',
			`${url.href} has no readable text (it may need JavaScript to show anything).`
		);
	}
	const { text, capped } = cap(page.text);
	const cut = truncated || capped;
	const title = page.title || url.host;
	const header = [`Page: ${title}`, `URL: ${url.href}`];
	if (cut) header.push('(Only the beginning of the page is included: it is long.)');
	return {
		content: `${header.join('\n')}\n\n${text}`,
		preview: `${title} · ${text.length.toLocaleString('en')} characters${cut ? ' (cut)' : ''}`,
		untrusted: true,
		sources: [{ title, url: url.href }]
	};
}

export function createFetchPageTool(options: FetchPageOptions = {}): Tool<typeof schema> {
	return {
		name: FETCH_PAGE,
		title: 'Read a web page',
		description:
			'Fetch a web page (or a text or JSON file) by its address and get its readable text. ' +
			'Use it to read a web_search result or a link the user gave.',
		schema,
		sideEffect: false,
		network: true,
		defaultEnabled: true,
		timeoutMs: 30_000,
		describe(args) {
			return `Read the page at ${args.url}.`;
		},
		run: (args, ctx) => read(args, ctx, options)
	};
}

/** The browser's fetch_page (DOMParser). */
export const fetchPageTool = createFetchPageTool();
