import { describe, expect, it } from 'vitest';
import { createNetFetch } from '$lib/net/ledger';
import {
	failureOf,
	recordingContext,
	testContext,
	testNet,
	useFixture
} from '$lib/net/test-context';
import { webSearchTool } from '$lib/tools/web-search';
import { freshDb } from '$lib/storage/test-db';
import type { Settings } from '$lib/types/settings';
import { parseSearxngReply } from '$lib/tools/search/searxng';
import { parseWikipediaReply } from '$lib/tools/search/wikipedia';
import { startSearxngFixture } from '../../../tests/fixtures/searxng-fixture.js';
import { startWikipediaFixture } from '../../../tests/fixtures/wikipedia-fixture.js';

const searx = useFixture(() => startSearxngFixture());
const wiki = useFixture(() => startWikipediaFixture());

async function run(settings: Partial<Settings>, query: string, maxResults?: number) {
	const { ctx, calls } = recordingContext({ wikipediaUrl: wiki().url, ...settings });
	const result = await webSearchTool.run(
		{ query, ...(maxResults ? { max_results: maxResults } : {}) },
		ctx
	);
	return { result, calls };
}

describe('web_search', () => {
	it('is a network tool without side effects, and says what it will do', () => {
		expect(webSearchTool).toMatchObject({
			name: 'web_search',
			network: true,
			sideEffect: false,
			defaultEnabled: true
		});
		expect(webSearchTool.describe({ query: 'lighthouse' })).toBe(
			'Search the web for "lighthouse".'
		);
	});

	it('searches Wikipedia with plain-text snippets and article links, as untrusted data', async () => {
		const { result, calls } = await run({ searchProvider: 'wikipedia' }, 'lighthouse');
		expect(result.untrusted).toBe(true);
		expect(result.sources?.map((s) => s.title)).toEqual([
			'Lighthouse',
			'Skerry Point Light',
			'Fresnel lens'
		]);
		expect(result.sources?.[1]?.url).toBe(`${wiki().url}/wiki/Skerry_Point_Light`);
		expect(result.content).toContain('3 results from Wikipedia for "lighthouse"');
		expect(result.content).toContain('A lighthouse is a tower');
		expect(result.content).not.toMatch(/searchmatch|<span|&quot;/);
		expect(result.preview).toBe('3 results from Wikipedia');
		expect(calls).toHaveLength(1);
		expect(calls[0]).toMatchObject({ purpose: 'web search (Wikipedia)', tool: 'web_search' });
		const asked = new URL(calls[0]?.url ?? '');
		expect(asked.pathname).toBe('/w/api.php');
		expect(Object.fromEntries(asked.searchParams)).toMatchObject({
			action: 'query',
			list: 'search',
			srsearch: 'lighthouse',
			srlimit: '5',
			format: 'json',
			origin: '*'
		});
	});

	it('honours max_results and reports an empty search plainly', async () => {
		const one = await run({}, 'lighthouse', 1);
		expect(one.result.sources).toHaveLength(1);
		expect(one.result.content).toContain('1 result from Wikipedia');
		const none = await run({}, 'zzzqqq');
		expect(none.result.sources).toEqual([]);
		expect(none.result.content).toBe('Wikipedia found nothing for "zzzqqq".');
	});

	it('searches SearXNG through its JSON API', async () => {
		const { result, calls } = await run(
			{ searchProvider: 'searxng', searxngUrl: `${searx().url}/` },
			'tides'
		);
		expect(calls[0]?.url).toBe(`${searx().url}/search?q=tides&format=json`);
		expect(calls[0]?.purpose).toBe('web search (SearXNG)');
		expect(result.sources?.[0]).toEqual({
			title: 'Lighthouses of the North Sea — tides',
			url: 'https://example.org/lighthouse'
		});
		expect(result.content).toContain('About tides: lighthouses of the north sea & more.');
		expect(result.preview).toBe('3 results from SearXNG');
		expect(result.untrusted).toBe(true);
	});

	it('falls back to Wikipedia when SearXNG has JSON disabled, and says why', async () => {
		searx().setJsonEnabled(false);
		try {
			const { result, calls } = await run(
				{ searchProvider: 'searxng', searxngUrl: searx().url },
				'lighthouse'
			);
			expect(calls.map((c) => c.purpose)).toEqual([
				'web search (SearXNG)',
				'web search (Wikipedia)'
			]);
			expect(result.content).toMatch(/does not offer its JSON format \(it answered 403\)/);
			expect(result.content).toContain('settings.yml');
			expect(result.content).toContain('Searched Wikipedia instead.');
			expect(result.preview).toBe('SearXNG failed; 3 results from Wikipedia');
		} finally {
			searx().setJsonEnabled(true);
		}
	});

	it('falls back when SearXNG is not set up, or unreachable', async () => {
		const unset = await run({ searchProvider: 'searxng', searxngUrl: '' }, 'lighthouse');
		expect(unset.calls).toHaveLength(1);
		expect(unset.result.content).toContain('No SearXNG instance is set up');
		const down = await run(
			{ searchProvider: 'searxng', searxngUrl: 'http://127.0.0.1:1' },
			'lighthouse'
		);
		expect(down.result.content).toContain('Could not reach 127.0.0.1:1');
		expect(down.result.sources).toHaveLength(3);
	});

	it('does not fall back past "offline only", and records the blocked request', async () => {
		const db = freshDb();
		const net = createNetFetch({ db, offlineOnly: () => true });
		const ctx = testContext(
			{ searchProvider: 'searxng', searxngUrl: searx().url, wikipediaUrl: wiki().url },
			net
		);
		const before = searx().requests.length + wiki().requests.length;
		const error = await failureOf(webSearchTool.run({ query: 'x' }, ctx));
		expect(error.code).toBe('network_blocked');
		expect(searx().requests.length + wiki().requests.length).toBe(before);
		await net.idle();
		expect((await db.ledger.toArray()).map((e) => [e.tool, e.outcome])).toEqual([
			['web_search', 'blocked']
		]);
	});

	it('stops when the call is cancelled', async () => {
		const controller = new AbortController();
		controller.abort();
		const ctx = testContext({ wikipediaUrl: wiki().url }, testNet([]), controller.signal);
		expect((await failureOf(webSearchTool.run({ query: 'x' }, ctx))).code).toBe('aborted');
	});

	it('explains a Wikipedia error and a server failure', async () => {
		const server = await failureOf(run({}, '[[error]]'));
		expect(server.message).toBe("Wikipedia's search answered 500.");
		const badSite = await failureOf(run({ wikipediaUrl: 'not a url' }, 'x'));
		expect(badSite.message).toContain('is not a web address');
	});

	it('turns a MediaWiki error body into words', () => {
		expect(() =>
			parseWikipediaReply(wiki().url, {
				error: { code: 'nosrsearch', info: 'The "srsearch" parameter must be set.' }
			})
		).toThrow('Wikipedia refused the search: The "srsearch" parameter must be set.');
		expect(() => parseSearxngReply({ nope: 1 }, 5)).toThrow('SearXNG sent an unexpected reply.');
	});
});
