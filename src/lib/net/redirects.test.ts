import { describe, expect, it } from 'vitest';
import { fetchFollowingSafely, MAX_REDIRECTS } from '$lib/net/redirects';
import { failureOf, recordingContext } from '$lib/net/test-context';
import type { NetFetch } from '$lib/net/types';

// Each hop of a redirect chain, without a server: a NetFetch that answers from a table, so the
// rules (which statuses are followed, how many hops, which targets) are checked one by one.
// fetch-page.test.ts follows real redirects from a fixture server.

const REQUEST = { purpose: 'read a page', tool: 'fetch_page' };

/** Answers each URL from `routes`; 200 "end" for anything else. Records the URLs asked for. */
function routed(routes: Record<string, () => Response>): { net: NetFetch; asked: string[] } {
	const asked: string[] = [];
	const net: NetFetch = (url) => {
		asked.push(url);
		return Promise.resolve(routes[url]?.() ?? new Response('end'));
	};
	return { net, asked };
}

function redirect(status: number, location: string | null): () => Response {
	return () => new Response('moved', { status, headers: location === null ? {} : { location } });
}

describe('fetchFollowingSafely', () => {
	it.each([301, 302, 303, 307, 308])('follows a %i to where it points', async (status) => {
		const { net, asked } = routed({ 'https://a.test/': redirect(status, '/next') });
		const { ctx } = recordingContext({}, { net });
		const { response, url } = await fetchFollowingSafely(ctx, new URL('https://a.test/'), REQUEST);
		expect(url.href).toBe('https://a.test/next');
		expect(await response.text()).toBe('end');
		expect(asked).toEqual(['https://a.test/', 'https://a.test/next']);
	});

	it.each([200, 300, 304, 404])('hands a %i over as the answer', async (status) => {
		const { net, asked } = routed({
			'https://a.test/': () =>
				new Response(status === 304 ? null : 'here', { status, headers: { location: '/x' } })
		});
		const { ctx } = recordingContext({}, { net });
		const { response, url } = await fetchFollowingSafely(ctx, new URL('https://a.test/'), REQUEST);
		expect(response.status).toBe(status);
		expect(url.href).toBe('https://a.test/');
		expect(asked).toHaveLength(1);
	});

	it(`follows ${MAX_REDIRECTS} redirects and refuses one more, naming the starting host`, async () => {
		const chain = (hops: number) =>
			Object.fromEntries(
				Array.from({ length: hops }, (_, i) => [
					`https://a.test/${i}`,
					redirect(302, `https://b.test/${i + 1}`.replace('b.test', 'a.test'))
				])
			);
		const five = routed(chain(MAX_REDIRECTS));
		const ok = await fetchFollowingSafely(
			recordingContext({}, { net: five.net }).ctx,
			new URL('https://a.test/0'),
			REQUEST
		);
		expect(ok.url.href).toBe(`https://a.test/${MAX_REDIRECTS}`);

		const six = routed(chain(MAX_REDIRECTS + 1));
		const error = await failureOf(
			fetchFollowingSafely(
				recordingContext({}, { net: six.net }).ctx,
				new URL('https://a.test/0'),
				REQUEST
			)
		);
		expect(error.code).toBe('tool_failed');
		expect(error.message).toBe('a.test redirected more than 5 times, so Hearth stopped following.');
		expect(six.asked).toHaveLength(MAX_REDIRECTS + 1);
	});

	it('refuses a redirect without a Location, or to an address that does not parse', async () => {
		const { net } = routed({
			'https://a.test/nowhere': redirect(302, null),
			'https://a.test/bad': redirect(302, 'http://[::1')
		});
		const { ctx } = recordingContext({}, { net });
		const nowhere = await failureOf(
			fetchFollowingSafely(ctx, new URL('https://a.test/nowhere'), REQUEST)
		);
		expect(nowhere.code).toBe('tool_failed');
		expect(nowhere.message).toBe('a.test redirected without saying where to.');
		const bad = await failureOf(fetchFollowingSafely(ctx, new URL('https://a.test/bad'), REQUEST));
		expect(bad.code).toBe('tool_failed');
		expect(bad.message).toBe('a.test redirected to an invalid address.');
	});

	it('refuses a hop to a private address without requesting it, unless the user allowed it', async () => {
		const routes = { 'https://a.test/': redirect(301, 'http://192.168.1.2/admin') };
		const refused = routed(routes);
		const error = await failureOf(
			fetchFollowingSafely(
				recordingContext({}, { net: refused.net }).ctx,
				new URL('https://a.test/'),
				REQUEST
			)
		);
		expect(error.code).toBe('network_blocked');
		expect(error.message).toMatch(/^a\.test redirected elsewhere: /);
		expect(refused.asked).toEqual(['https://a.test/']);

		const allowed = routed(routes);
		const { url } = await fetchFollowingSafely(
			recordingContext({ allowedPrivateHosts: ['192.168.1.2'] }, { net: allowed.net }).ctx,
			new URL('https://a.test/'),
			REQUEST
		);
		expect(url.href).toBe('http://192.168.1.2/admin');
	});

	it('refuses a redirect to another scheme as such, not as a blocked host', async () => {
		const { net, asked } = routed({ 'https://a.test/': redirect(302, 'ftp://a.test/file') });
		const { ctx } = recordingContext({}, { net });
		const error = await failureOf(fetchFollowingSafely(ctx, new URL('https://a.test/'), REQUEST));
		expect(error.code).toBe('tool_invalid_args');
		expect(error.message).toBe('Only http and https addresses can be fetched, not ftp.');
		expect(asked).toEqual(['https://a.test/']);
	});

	it('asks each hop with redirect: manual and the caller’s own init', async () => {
		const inits: RequestInit[] = [];
		const net: NetFetch = (url, init) => {
			inits.push(init);
			return Promise.resolve(
				url === 'https://a.test/' ? redirect(307, '/b')() : new Response('end')
			);
		};
		const { ctx } = recordingContext({}, { net });
		await fetchFollowingSafely(ctx, new URL('https://a.test/'), {
			...REQUEST,
			init: { headers: { accept: 'text/html' } }
		});
		expect(inits.map((i) => i.redirect)).toEqual(['manual', 'manual']);
		expect(inits.every((i) => (i.headers as Record<string, string>).accept === 'text/html')).toBe(
			true
		);
	});

	it('in a browser, keeps the start address when the followed reply does not say where it came from', async () => {
		const net: NetFetch = (_url, init) => {
			const response = new Response(init.redirect === 'manual' ? null : 'followed');
			if (init.redirect === 'manual')
				Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
			return Promise.resolve(response);
		};
		const { ctx } = recordingContext({}, { net });
		const { response, url } = await fetchFollowingSafely(ctx, new URL('https://a.test/'), REQUEST);
		expect(url.href).toBe('https://a.test/');
		expect(await response.text()).toBe('followed');
	});

	it('in a browser, refuses an opaque redirect that ended on a private address, unread', async () => {
		let cancelled = false;
		const net: NetFetch = (_url, init) => {
			if (init.redirect === 'manual') {
				const response = new Response(null);
				Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
				return Promise.resolve(response);
			}
			const body = new ReadableStream({
				cancel() {
					cancelled = true;
				}
			});
			const response = new Response(body);
			Object.defineProperty(response, 'url', { value: 'http://127.0.0.1/secret' });
			return Promise.resolve(response);
		};
		const { ctx } = recordingContext({}, { net });
		const error = await failureOf(fetchFollowingSafely(ctx, new URL('https://a.test/'), REQUEST));
		expect(error.code).toBe('network_blocked');
		expect(error.message).toMatch(/^a\.test redirected elsewhere: /);
		expect(cancelled).toBe(true);
	});
});
