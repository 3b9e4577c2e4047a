import * as v from 'valibot';
import { searxngProvider } from '$lib/tools/search/searxng';
import type { SearchHit, SearchProvider } from '$lib/tools/search/types';
import { wikipediaProvider } from '$lib/tools/search/wikipedia';
import type { Tool, ToolContext, ToolResult } from '$lib/tools/types';
import { HearthError, toHearthError } from '$lib/types/errors';

// web_search: the provider the user picked (settings.searchProvider); when SearXNG fails for
// any reason but a stop or "offline only", Wikipedia answers instead and the result says so.

export const WEB_SEARCH = 'web_search';

const schema = v.object({
	query: v.pipe(
		v.string(),
		v.trim(),
		v.minLength(1, 'The search query is empty.'),
		v.maxLength(300, 'The search query is longer than 300 characters.'),
		v.description('What to search for, in a few words.')
	),
	max_results: v.optional(
		v.pipe(
			v.number(),
			v.integer(),
			v.minValue(1),
			v.maxValue(10),
			v.description('How many results to return (1–10, default 5).')
		)
	)
});

type Args = v.InferOutput<typeof schema>;

const DEFAULT_RESULTS = 5;

function format(hits: SearchHit[], query: string, label: string, note: string): string {
	const head = `${note}${hits.length} result${hits.length === 1 ? '' : 's'} from ${label} for "${query}":`;
	if (hits.length === 0) return `${note}${label} found nothing for "${query}".`;
	const lines = hits.map(
		(hit, i) => `${i + 1}. ${hit.title}\n   ${hit.url}${hit.snippet ? `\n   ${hit.snippet}` : ''}`
	);
	return [head, ...lines].join('\n');
}

/** Never falls back past these: the user stopped it, or asked for no network. */
function isFinal(e: HearthError): boolean {
	return e.code === 'aborted' || e.code === 'network_blocked';
}

async function search(
	args: Args,
	ctx: ToolContext
): Promise<{ hits: SearchHit[]; provider: SearchProvider; note: string }> {
	const limit = args.max_results ?? DEFAULT_RESULTS;
	const request = { query: args.query, limit, ctx, tool: WEB_SEARCH };
	if (ctx.settings.searchProvider !== 'searxng') {
		return { hits: await wikipediaProvider.search(request), provider: wikipediaProvider, note: '' };
	}
	try {
		return { hits: await searxngProvider.search(request), provider: searxngProvider, note: '' };
	} catch (e) {
		const error = toHearthError(e);
		if (isFinal(error)) throw error;
		const hits = await wikipediaProvider.search(request);
		const note = `SearXNG failed (${error.message}) Searched Wikipedia instead.\n`;
		return { hits, provider: wikipediaProvider, note };
	}
}

export const webSearchTool: Tool<typeof schema> = {
	name: WEB_SEARCH,
	title: 'Web search',
	description:
		'Search the web (Wikipedia or the SearXNG instance the user set up) and get titles, links ' +
		'and short snippets. Use it for facts you do not know or that may have changed; then use ' +
		'fetch_page on a result to read it.',
	schema,
	sideEffect: false,
	network: true,
	defaultEnabled: true,
	timeoutMs: 20_000,
	describe(args) {
		return `Search the web for "${args.query}".`;
	},
	async run(args, ctx): Promise<ToolResult> {
		const { hits, provider, note } = await search(args, ctx);
		if (ctx.signal.aborted) throw new HearthError('aborted', 'Stopped.');
		return {
			content: format(hits, args.query, provider.label, note),
			preview:
				(note ? 'SearXNG failed; ' : '') +
				`${hits.length} result${hits.length === 1 ? '' : 's'} from ${provider.label}`,
			untrusted: true,
			sources: hits.map((hit) => ({ title: hit.title, url: hit.url }))
		};
	}
};
