import { checkFetchTarget } from '$lib/net/address';
import { toolFetch, type ToolRequest } from '$lib/net/request';
import type { ToolContext } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';

// Following redirects without letting one lead to the user's own machine or network.
//
// With `redirect: 'manual'` Node (and the tests) see each 3xx and its Location, so every hop
// is checked before it is requested. A browser hides a manual redirect's Location (it answers
// an opaque 'opaqueredirect' response, same-origin or not). Then the only way on is to fetch
// again with `redirect: 'follow'` and check `response.url` before reading the body: a private
// final target is refused unread, but the browser has already sent the requests along the way
// (including to a private hop) — what this can stop is reading the answer, not the request.

export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface Fetched {
	response: Response;
	/** Where the body came from, after redirects. */
	url: URL;
}

function blockedHop(e: unknown, from: URL): unknown {
	if (e instanceof HearthError && e.code === 'network_blocked') {
		return new HearthError('network_blocked', `${from.host} redirected elsewhere: ${e.message}`);
	}
	return e;
}

export async function fetchFollowingSafely(
	ctx: Pick<ToolContext, 'net' | 'signal' | 'settings'>,
	start: URL,
	request: ToolRequest
): Promise<Fetched> {
	const allowed = ctx.settings.allowedPrivateHosts;
	let url = start;
	for (let hop = 0; ; hop++) {
		const response = await toolFetch(ctx, url.href, {
			...request,
			init: { ...request.init, redirect: 'manual' }
		});
		if (response.type === 'opaqueredirect') {
			const followed = await toolFetch(ctx, url.href, {
				...request,
				init: { ...request.init, redirect: 'follow' }
			});
			const final = followed.url ? new URL(followed.url) : url;
			try {
				checkFetchTarget(final.href, allowed);
			} catch (e) {
				await followed.body?.cancel().catch(() => {});
				throw blockedHop(e, url);
			}
			return { response: followed, url: final };
		}
		if (!REDIRECTS.has(response.status)) return { response, url };

		const location = response.headers.get('location');
		await response.body?.cancel().catch(() => {});
		if (!location) {
			throw new HearthError('tool_failed', `${url.host} redirected without saying where to.`);
		}
		if (hop >= MAX_REDIRECTS) {
			throw new HearthError(
				'tool_failed',
				`${start.host} redirected more than ${MAX_REDIRECTS} times, so Hearth stopped following.`
			);
		}
		let next: string;
		try {
			next = new URL(location, url).href;
		} catch {
			throw new HearthError('tool_failed', `${url.host} redirected to an invalid address.`);
		}
		try {
			url = checkFetchTarget(next, allowed);
		} catch (e) {
			throw blockedHop(e, url);
		}
	}
}
