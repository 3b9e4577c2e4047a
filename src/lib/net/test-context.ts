import type { NetFetch } from '$lib/net/types';
import type { ToolContext } from '$lib/tools/types';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

// Test helpers for network tools (Node): a ToolContext with a plain-fetch NetFetch that
// remembers what it was asked, and a "DNS" that sends public test names to local fixtures.

export interface RecordedCall {
	url: string;
	init: RequestInit;
	purpose: string;
	tool?: string;
}

/**
 * A NetFetch over Node's fetch. `hosts` maps a public-looking origin ("http://pages.test") to
 * a fixture's origin, the way DNS would: tools see and check the public name.
 */
export function testNet(calls: RecordedCall[], hosts: Record<string, string> = {}): NetFetch {
	return (url, init, meta) => {
		calls.push({ url, init, purpose: meta.purpose, ...(meta.tool ? { tool: meta.tool } : {}) });
		let target = url;
		for (const [from, to] of Object.entries(hosts)) {
			if (url.startsWith(from)) target = to + url.slice(from.length);
		}
		return fetch(target, init);
	};
}

export function testContext(
	settings: Partial<Settings>,
	net: NetFetch,
	signal: AbortSignal = new AbortController().signal
): ToolContext {
	return {
		signal,
		net,
		settings: { ...DEFAULT_SETTINGS, ...settings },
		onOutput: () => {},
		onProgress: () => {},
		ask: () => Promise.resolve(false),
		attachments: [],
		conversationId: 'test'
	};
}
