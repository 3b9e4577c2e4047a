import { readJson, toolFetch } from '$lib/net/request';
import { htmlToText } from '$lib/tools/search/html-text';
import type { SearchHit, SearchProvider, SearchRequest } from '$lib/tools/search/types';
import { HearthError } from '$lib/types/errors';

// MediaWiki's search API (action=query&list=search). `origin=*` asks for an anonymous CORS
// reply, which every Wikimedia wiki gives, so a browser app can read it without a key.

function siteOf(raw: string): URL {
	try {
		return new URL(raw.endsWith('/') ? raw : `${raw}/`);
	} catch {
		throw new HearthError(
			'tool_failed',
			`The Wikipedia address in Settings ("${raw}") is not a web address.`
		);
	}
}

/** The article's address: /wiki/Title_with_underscores, as Wikipedia links it. */
export function articleUrl(site: string, title: string): string {
	return new URL(`wiki/${encodeURIComponent(title.replace(/ /g, '_'))}`, siteOf(site)).href;
}

export function wikipediaSearchUrl(site: string, query: string, limit: number): string {
	const url = new URL('w/api.php', siteOf(site));
	url.search = new URLSearchParams({
		action: 'query',
		list: 'search',
		srsearch: query,
		srlimit: String(limit),
		srprop: 'snippet',
		format: 'json',
		formatversion: '2',
		utf8: '1',
		origin: '*'
	}).toString();
	return url.href;
}

interface WikiReply {
	error?: { code?: string; info?: string };
	query?: { search?: { title?: unknown; snippet?: unknown }[] };
}

export function parseWikipediaReply(site: string, value: unknown): SearchHit[] {
	const reply = (value ?? {}) as WikiReply;
	if (reply.error) {
		throw new HearthError(
			'tool_failed',
			`Wikipedia refused the search: ${(reply.error.info ?? reply.error.code ?? 'unknown error').replace(/\.$/, '')}.`
		);
	}
	const list = reply.query?.search;
	if (!Array.isArray(list))
		throw new HearthError('tool_failed', 'Wikipedia sent an unexpected reply.');
	return list
		.filter((item): item is { title: string; snippet?: unknown } => typeof item.title === 'string')
		.map((item) => ({
			title: item.title,
			url: articleUrl(site, item.title),
			snippet: typeof item.snippet === 'string' ? htmlToText(item.snippet) : ''
		}));
}

export const wikipediaProvider: SearchProvider = {
	id: 'wikipedia',
	label: 'Wikipedia',
	async search({ query, limit, ctx, tool }: SearchRequest): Promise<SearchHit[]> {
		const site = ctx.settings.wikipediaUrl;
		const response = await toolFetch(ctx, wikipediaSearchUrl(site, query, limit), {
			purpose: 'web search (Wikipedia)',
			tool,
			init: { headers: { Accept: 'application/json' } }
		});
		if (!response.ok) {
			await response.body?.cancel().catch(() => {});
			throw new HearthError(
				'tool_failed',
				`Wikipedia's search answered ${response.status}${response.status === 429 ? ' (too many requests; try again in a minute)' : ''}.`,
				{ status: response.status }
			);
		}
		return parseWikipediaReply(site, await readJson(response, 'Wikipedia', ctx.signal));
	}
};
