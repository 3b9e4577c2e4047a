import { Wllama } from '@wllama/wllama';
import type { WllamaLogger } from '@wllama/wllama';
import type { GgufFromWorker, GgufToWorker } from '$lib/protocol/gguf';
import { detectWasmFeatures, wasmBlocker } from '$lib/utils/wasm-features';
import { createGgufHost } from '$workers/gguf-host';
import type { WllamaLogSink } from '$workers/gguf-host';
import { probeGpuWith } from '$lib/protocol/gpu-probe';
import type { GpuLike } from '$lib/protocol/gpu-probe';
import type { WllamaLike } from '$workers/llm-wllama';
import { NO_WLLAMA_STORAGE, useOwnCompat, wllamaAssets } from '$workers/wllama-assets';

// Thin: wires wllama (llama.cpp in WebAssembly) to the host. wllama runs llama.cpp in a worker
// of its own, started from a blob URL inside this one; its wasm comes from our origin, and so
// does the compat build for browsers without JSPI or Memory64 (wllama-assets.ts).

/** The DedicatedWorkerGlobalScope members used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
	postMessage(message: GgufFromWorker): void;
	onmessage: ((event: MessageEvent<GgufToWorker>) => void) | null;
	location: { origin: string };
}

const scope = self as unknown as WorkerScope;
const gpu = (navigator as { gpu?: GpuLike }).gpu;
const assets = wllamaAssets(scope.location.origin);

/** wllama's logger: log lines go to the host (kept to explain failures), never to the console. */
function loggerFor(sink: WllamaLogSink): WllamaLogger {
	const text = (args: unknown[]): string =>
		args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : '')).join(' ');
	return {
		debug: (...args: unknown[]) => sink.line('debug', text(args)),
		log: (...args: unknown[]) => sink.line('log', text(args)),
		warn: (...args: unknown[]) => sink.line('warn', text(args)),
		error: (...args: unknown[]) => {
			// wllama hands its worker's `error` event to logger.error: that worker is gone.
			const event = args.find((a): a is ErrorEvent => a instanceof Event);
			if (event) sink.died(event.message || 'llama.cpp’s worker stopped.');
			else sink.line('error', text(args));
		}
	};
}

const host = createGgufHost({
	createWllama: (sink): WllamaLike => {
		const wllama = useOwnCompat(
			new Wllama({ default: assets.wasm }, { logger: loggerFor(sink), ...NO_WLLAMA_STORAGE }),
			assets
		);
		// wllama's types are stricter than the slice Hearth uses (its stream overloads, Blob[]).
		return wllama as unknown as WllamaLike;
	},
	probe: async () => {
		const features = detectWasmFeatures();
		const reason = wasmBlocker(features);
		return {
			supported: reason === undefined,
			...(reason ? { reason } : {}),
			jspi: features.jspi,
			memory64: features.memory64,
			multiThread: features.threads,
			hardwareConcurrency: navigator.hardwareConcurrency || 1,
			gpu: await probeGpuWith(gpu)
		};
	},
	post: (message) => scope.postMessage(message)
});

// Installed synchronously, before anything awaits, so no early message is lost; `ready` tells
// the page it may start sending.
scope.onmessage = (event) => host.handle(event.data);
scope.postMessage({ type: 'ready' });
