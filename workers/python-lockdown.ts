// What Python's code can reach of the worker it runs in. Python sees the worker's global scope
// as the `js` module, so after Pyodide has loaded everything that is not on the lists below is
// deleted from the scope, its prototype chain and `navigator`: an allowlist, so an API a future
// browser adds (the way Storage Buckets, OPFS or WebUSB were added) is gone by default instead of
// open by default. The worker's Content-Security-Policy (scripts/worker-policy.js) is the fence
// for the routes a deletion cannot close; this is the second layer, and it also closes what a
// policy does not govern: the origin's storage (OPFS is the files tool's scratch space,
// IndexedDB holds every conversation), locks shared with the page, notifications, devices.

/**
 * The globals Python's code keeps: the ECMAScript built-ins, and the web APIs that compute
 * without reaching anything outside the worker (Pyodide needs timers, text codecs, crypto random
 * numbers, streams, WebAssembly, and Request/Response for the fetch the page lends it).
 */
export const KEPT_GLOBALS: ReadonlySet<string> = new Set([
	// ECMAScript.
	'globalThis',
	'Infinity',
	'NaN',
	'undefined',
	'eval', // present but refused by the policy (no 'unsafe-eval')
	'isFinite',
	'isNaN',
	'parseFloat',
	'parseInt',
	'decodeURI',
	'decodeURIComponent',
	'encodeURI',
	'encodeURIComponent',
	'escape',
	'unescape',
	'Object',
	'Function',
	'Array',
	'Number',
	'Boolean',
	'String',
	'Symbol',
	'BigInt',
	'Date',
	'Promise',
	'RegExp',
	'Error',
	'AggregateError',
	'EvalError',
	'RangeError',
	'ReferenceError',
	'SyntaxError',
	'TypeError',
	'URIError',
	'SuppressedError',
	'JSON',
	'Math',
	'Intl',
	'Reflect',
	'Proxy',
	'Map',
	'Set',
	'WeakMap',
	'WeakSet',
	'WeakRef',
	'FinalizationRegistry',
	'Iterator',
	'DisposableStack',
	'AsyncDisposableStack',
	'Temporal',
	'ArrayBuffer',
	'SharedArrayBuffer',
	'DataView',
	'Atomics',
	'Int8Array',
	'Uint8Array',
	'Uint8ClampedArray',
	'Int16Array',
	'Uint16Array',
	'Int32Array',
	'Uint32Array',
	'Float16Array',
	'Float32Array',
	'Float64Array',
	'BigInt64Array',
	'BigUint64Array',
	'WebAssembly',
	// The worker itself and computing-only web APIs.
	'self',
	'constructor',
	'location',
	'name',
	'origin',
	'isSecureContext',
	'crossOriginIsolated',
	'navigator',
	'console',
	'performance',
	'crypto',
	'setTimeout',
	'clearTimeout',
	'setInterval',
	'clearInterval',
	'queueMicrotask',
	'structuredClone',
	'atob',
	'btoa',
	'addEventListener',
	'removeEventListener',
	'dispatchEvent',
	'Event',
	'EventTarget',
	'ErrorEvent',
	'MessageEvent',
	'MessageChannel',
	'MessagePort',
	'PromiseRejectionEvent',
	'DOMException',
	'AbortController',
	'AbortSignal',
	'TextEncoder',
	'TextDecoder',
	'TextEncoderStream',
	'TextDecoderStream',
	'CompressionStream',
	'DecompressionStream',
	'URL',
	'URLSearchParams',
	'Blob',
	'File',
	'FileReader',
	'Headers',
	'Request',
	'Response',
	'ReadableStream',
	'ReadableStreamDefaultReader',
	'ReadableStreamBYOBReader',
	'ReadableStreamDefaultController',
	'ReadableByteStreamController',
	'ReadableStreamBYOBRequest',
	'WritableStream',
	'WritableStreamDefaultWriter',
	'WritableStreamDefaultController',
	'TransformStream',
	'TransformStreamDefaultController',
	'ByteLengthQueuingStrategy',
	'CountQueuingStrategy',
	'Crypto',
	'SubtleCrypto',
	'CryptoKey',
	'Performance',
	'PerformanceEntry',
	'PerformanceMark',
	'PerformanceMeasure',
	// Numbers (0 and 1) the old file-system API left on the scope: not removable, and inert once
	// webkitRequestFileSystem is gone.
	'TEMPORARY',
	'PERSISTENT'
]);

/** What Python's code may read of `navigator`: what the platform module and locales ask. */
export const KEPT_NAVIGATOR: ReadonlySet<string> = new Set([
	'constructor',
	'userAgent',
	'language',
	'languages',
	'hardwareConcurrency',
	'platform',
	'onLine'
]);

/** Own property names (not symbols) of `target` and its prototypes, up to Object.prototype. */
function chainOf(target: object): { owner: object; name: string }[] {
	const out: { owner: object; name: string }[] = [];
	for (
		let owner: object | null = target;
		owner && owner !== Object.prototype;
		owner = Object.getPrototypeOf(owner) as object | null
	) {
		for (const name of Object.getOwnPropertyNames(owner)) out.push({ owner, name });
	}
	return out;
}

/** Deletes from `target` and its prototypes every name not in `kept`; returns what stayed. */
function strip(target: object, kept: ReadonlySet<string>): string[] {
	for (const { owner, name } of chainOf(target)) {
		if (!kept.has(name)) Reflect.deleteProperty(owner, name);
	}
	return reachable(target, kept);
}

/** Names outside `kept` that code can still reach on `target` (a property that would not go). */
export function reachable(target: object, kept: ReadonlySet<string>): string[] {
	const left = new Set<string>();
	for (const { name } of chainOf(target)) if (!kept.has(name)) left.add(name);
	return [...left].sort();
}

/**
 * Strips `scope` (the worker's global) and its `navigator` down to the kept names, plus
 * `alsoRemove` (names the worker's own wiring needed until now, such as postMessage). Returns
 * the names that could not be removed: the caller refuses to run code unless it is empty.
 */
export function lockDownScope(scope: object, alsoRemove: readonly string[] = []): string[] {
	const kept = new Set([...KEPT_GLOBALS].filter((name) => !alsoRemove.includes(name)));
	const navigator = (scope as { navigator?: object }).navigator;
	const left = navigator ? strip(navigator, KEPT_NAVIGATOR).map((n) => `navigator.${n}`) : [];
	return [...strip(scope, kept), ...left];
}
