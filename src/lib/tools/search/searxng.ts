import { readJson, toolFetch } from '$lib/net/request';
import { htmlToText } from '$lib/tools/search/html-text';
import type { SearchHit, SearchProvider, SearchRequest } from '$lib/tools/search/types';
import { HearthError } from '$lib/types/errors';

// SearXNG's search API: GET /search?q=…&format=json. The JSON format is off unless the
// instance's owner lists it under `search.formats` in settings.yml; then the instance answers
// 403, which is the most common failure and gets its own explanation.

export function searxngSearchUrl(base: string, query: string): string {
	let root: URL;
	try {
		root = new URL(base.endsWith('/') ? base : `${base}/`);
	} catch {
		throw new HearthError(
			'tool_failed',
			`The SearXNG address in Settings ("${base}") is not a web address.`
		);
	}
	const url = new URL('search', root);
	url.search = new URLSearchParams({ q: query, format: 'json' }).toString();
	return url.href;
}

interface SearxReply {
	results?: { title?: unknown; url?: unknown; content?: unknown }[];
}

export function parseSearxngReply(value: unknown, limit: number): SearchHit[] {
	const results = ((value ?? {}) as SearxReply).results;
	if (!Array.isArray(results))
		throw new HearthError('tool_failed', 'SearXNG sent an unexpected reply.');
	return results
		.filter(
			(r): r is { title: string; url: string; content?: unknown } =>
				typeof r.title === 'string' && typeof r.url === 'string'
		)
		.slice(0, limit)
		.map((r) => ({
			title: htmlToText(r.title),
			url: r.url,
			snippet: typeof r.content === 'string' ? htmlToText(r.content) : ''
		}));
}

function statusError(base: string, status: number): HearthError {
	if (status === 403) {
		return new HearthError(
			'tool_failed',
			`The SearXNG instance at ${base} does not offer its JSON format (it answered 403). Its ` +
				'owner must add "json" under search → formats in settings.yml; many public instances ' +
				'keep it off.',
			{ status }
		);
	}
	if (status === 429) {
		return new HearthError(
			'tool_failed',
			`The SearXNG instance at ${base} is limiting requests (429); try again later.`,
			{ status }
		);
	}
	return new HearthError('tool_failed', `The SearXNG instance at ${base} answered ${status}.`, {
		status
	});
}

export const searxngProvider: SearchProvider = {
	id: 'searxng',
	label: 'SearXNG',
	async search({ query, limit, ctx, tool }: SearchRequest): Promise<SearchHit[]> {
		const base = ctx.settings.searxngUrl.trim();
		if (base === '') {
			throw new HearthError(
				'tool_failed',
				'No SearXNG instance is set up. Add the address of one with the JSON format enabled ' +
					'in Settings.'
			);
		}
		const response = await toolFetch(ctx, searxngSearchUrl(base, query), {
			purpose: 'web search (SearXNG)',
			tool,
			init: { headers: { Accept: 'application/json' } }
		});
		if (!response.ok) {
			await response.body?.cancel().catch(() => {});
			throw statusError(base, response.status);
		}
		return parseSearxngReply(await readJson(response, 'SearXNG', ctx.signal), limit);
	}
};
