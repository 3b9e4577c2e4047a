import { MLCEngine } from '@mlc-ai/web-llm';
import type { LlmFromWorker, LlmToWorker } from '$lib/protocol/llm';
import { probeGpuWith } from '$lib/protocol/gpu-probe';
import { watchDeviceLoss } from '$workers/llm-gpu';
import type { GpuLike } from '$lib/protocol/gpu-probe';
import { createLlmHost } from '$workers/llm-host';
import { countTokensViaPipeline } from '$workers/llm-tokens';
import type { WebLlmLike } from '$workers/llm-webllm';

// Thin: wires web-llm's real MLCEngine and this worker's WebGPU to the host. Everything worth
// testing lives in llm-host.ts and the modules beside it.

/** The DedicatedWorkerGlobalScope members used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
	postMessage(message: LlmFromWorker): void;
	onmessage: ((event: MessageEvent<LlmToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;
// navigator.gpu is missing outright where WebGPU is off, whatever the DOM types say.
const gpu = (navigator as { gpu?: GpuLike }).gpu;

let watching: Promise<boolean> | undefined;

function post(message: LlmFromWorker): void {
	scope.postMessage(message);
	// Watch for GPU loss once a model is on the GPU: before that there is nothing to lose.
	if (message.type === 'result' && message.call === 'load' && message.ok && !watching) {
		watching = watchDeviceLoss(gpu, (text) =>
			scope.postMessage({ type: 'device-lost', message: text })
		).catch(() => false);
	}
}

const host = createLlmHost({
	createEngine: (onProgress): WebLlmLike =>
		new MLCEngine({ initProgressCallback: onProgress, logLevel: 'WARN' }),
	probeGpu: () => probeGpuWith(gpu),
	post,
	countTokens: countTokensViaPipeline
});

// Installed synchronously, before anything awaits, so no early message is lost; `ready` tells
// the page it may start sending.
scope.onmessage = (event) => host.handle(event.data);
scope.postMessage({ type: 'ready' });
