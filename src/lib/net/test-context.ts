import { afterAll, beforeAll } from 'vitest';
import type { NetFetch } from '$lib/net/types';
import type { ToolContext } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

// Test helpers for network tools (Node): a ToolContext with a plain-fetch NetFetch that
// remembers what it was asked, a "DNS" that sends public test names to local fixtures, and
// fixture servers that live as long as the suite. Test-only: no non-test file may import this.

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

/** A test context whose NetFetch (unless `net` is given) records into the returned `calls`. */
export function recordingContext(
	settings: Partial<Settings> = {},
	options: { hosts?: Record<string, string>; net?: NetFetch; signal?: AbortSignal } = {}
): { ctx: ToolContext; calls: RecordedCall[] } {
	const calls: RecordedCall[] = [];
	const ctx = testContext(settings, options.net ?? testNet(calls, options.hosts), options.signal);
	return { ctx, calls };
}

/**
 * Starts a fixture server before the enclosing suite and closes it after. Returns a getter,
 * since the fixture only exists once beforeAll has run.
 */
export function useFixture<F extends { close: () => Promise<void> }>(
	start: () => Promise<F>
): () => F {
	let fixture: F | undefined;
	beforeAll(async () => {
		fixture = await start();
	});
	afterAll(async () => {
		await fixture?.close();
	});
	return () => {
		if (!fixture) throw new Error('the fixture starts in beforeAll');
		return fixture;
	};
}

/** The HearthError `promise` rejects with; fails the test if it resolves or throws another. */
export async function failureOf(promise: Promise<unknown>): Promise<HearthError> {
	try {
		await promise;
	} catch (e) {
		if (e instanceof HearthError) return e;
		throw e;
	}
	throw new Error('expected a failure');
}
