import { describe, expect, it } from 'vitest';
import { KEPT_GLOBALS, KEPT_NAVIGATOR, lockDownScope, reachable } from '$workers/python-lockdown';

// The allowlist on a stand-in for a worker's global scope: an own layer and two prototypes (as
// DedicatedWorkerGlobalScope → WorkerGlobalScope → EventTarget), and a navigator with its own
// prototype. The real scope is stripped in Chromium by tests/e2e/python-fence.spec.ts.

function fakeScope() {
	const eventTarget = { addEventListener() {}, dispatchEvent() {} };
	const workerGlobal = Object.create(eventTarget) as Record<string, unknown>;
	Object.assign(workerGlobal, {
		fetch() {},
		setTimeout() {},
		importScripts() {},
		get indexedDB() {
			return {};
		}
	});
	const navigatorProto = { userAgent: 'ua', storage: {}, locks: {}, sendBeacon() {} };
	const scope = Object.create(workerGlobal) as Record<string, unknown>;
	Object.assign(scope, {
		navigator: Object.create(navigatorProto),
		postMessage() {},
		TextDecoder: class {},
		// A brand-new API nobody has heard of yet is removed too: that is the point of a list.
		FutureNetworkThing: class {}
	});
	Object.defineProperty(scope, 'PERSISTENT', { value: 1, configurable: false });
	return scope;
}

describe('lockDownScope', () => {
	it('keeps only the listed globals, down the prototype chain, and strips navigator', () => {
		const scope = fakeScope();
		expect(lockDownScope(scope, ['postMessage'])).toEqual([]);
		for (const gone of [
			'fetch',
			'importScripts',
			'indexedDB',
			'postMessage',
			'FutureNetworkThing'
		]) {
			expect(gone in scope, gone).toBe(false);
		}
		for (const kept of ['setTimeout', 'TextDecoder', 'addEventListener', 'navigator']) {
			expect(kept in scope, kept).toBe(true);
		}
		const navigator = scope.navigator as Record<string, unknown>;
		expect('userAgent' in navigator).toBe(true);
		for (const gone of ['storage', 'locks', 'sendBeacon']) expect(gone in navigator).toBe(false);
	});

	it('reports what it could not remove, so the worker refuses to run', () => {
		const scope = fakeScope();
		Object.defineProperty(scope, 'stuckOpen', { value: () => undefined, configurable: false });
		expect(lockDownScope(scope)).toEqual(['stuckOpen']);
	});

	it('names leftovers without removing anything', () => {
		expect(reachable({ a: 1, setTimeout: 2 }, KEPT_GLOBALS)).toEqual(['a']);
		expect(KEPT_NAVIGATOR.has('storage')).toBe(false);
		for (const name of ['fetch', 'XMLHttpRequest', 'WebSocket', 'indexedDB', 'caches', 'Worker']) {
			expect(KEPT_GLOBALS.has(name), name).toBe(false);
		}
	});
});
