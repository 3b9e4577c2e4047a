import type { ToolContext } from '$lib/tools/types';

/** One search result as web_search reports it. */
export interface SearchHit {
	title: string;
	url: string;
	/** Plain text (any markup already removed). */
	snippet: string;
}

export interface SearchRequest {
	query: string;
	limit: number;
	ctx: Pick<ToolContext, 'net' | 'signal' | 'settings'>;
	/** The tool asking, for the ledger and "offline only". */
	tool: string;
}

/** A web search backend (one interface, several implementations). */
export interface SearchProvider {
	id: 'searxng' | 'wikipedia';
	/** "SearXNG", "Wikipedia": used in previews and the ledger. */
	label: string;
	/** Throws HearthError with words a person can act on. */
	search(request: SearchRequest): Promise<SearchHit[]>;
}
