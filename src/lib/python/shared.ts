import { PythonSandbox } from '$lib/python/sandbox';
import type { PythonState } from '$lib/python/sandbox';
import type { PythonRunResult, PythonStartResult } from '$lib/protocol/python';
import { toHearthError } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';

let shared: PythonSandbox | undefined;

/** The page's one sandbox, created on first use (its worker starts on the first run). */
export function sharedPythonSandbox(): PythonSandbox {
	shared ??= new PythonSandbox();
	return shared;
}

/** A run as the debug hook reports it: failures are data, so page.evaluate keeps their code. */
export type PythonDebugRun =
	| ({ ok: true; streamed: string; elapsedMs: number } & PythonRunResult)
	| { ok: false; error: SerializedError; streamed: string; elapsedMs: number };

/**
 * `window.__hearthPython`: how tests/e2e/python.spec.ts and bench/python.js drive the real
 * sandbox in the built app. The built chunks are hashed and minified, so there is no module a
 * test could import; this is the one documented entry. It can do nothing the page's own
 * scripts could not, and it starts nothing until called.
 */
export interface PythonDebugHook {
	state(): PythonState;
	interruptible(): boolean;
	start(): Promise<PythonStartResult>;
	run(
		code: string,
		options?: {
			timeoutMs?: number;
			/** Aborts the run's signal after this long (the stop button). */
			stopAfterMs?: number;
			files?: { name: string; text: string }[];
		}
	): Promise<PythonDebugRun>;
}

function hook(): PythonDebugHook {
	return {
		state: () => sharedPythonSandbox().state,
		interruptible: () => sharedPythonSandbox().interruptible,
		start: () => sharedPythonSandbox().start(),
		async run(code, options = {}) {
			let streamed = '';
			const controller = new AbortController();
			const timer =
				options.stopAfterMs === undefined
					? undefined
					: setTimeout(() => controller.abort(), options.stopAfterMs);
			const started = performance.now();
			try {
				const result = await sharedPythonSandbox().run(code, {
					timeoutMs: options.timeoutMs,
					signal: controller.signal,
					attachments: (options.files ?? []).map((f) => ({
						name: f.name,
						data: new Blob([f.text])
					})),
					onOutput: (text) => (streamed += text)
				});
				return { ok: true, streamed, elapsedMs: performance.now() - started, ...result };
			} catch (e) {
				const error = toHearthError(e).toJSON();
				return { ok: false, error, streamed, elapsedMs: performance.now() - started };
			} finally {
				clearTimeout(timer);
			}
		}
	};
}

/** Installs `window.__hearthPython` (see PythonDebugHook). */
export function exposePythonDebugHook(target: object = globalThis): void {
	(target as { __hearthPython?: PythonDebugHook }).__hearthPython = hook();
}
