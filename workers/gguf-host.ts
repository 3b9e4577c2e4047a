import { ggufDeviceFor } from '$lib/protocol/gguf';
import type {
	GgufCalls,
	GgufChatParams,
	GgufDevice,
	GgufFromWorker,
	GgufLoaded,
	GgufLoadSpec,
	GgufProbe,
	GgufToWorker
} from '$lib/protocol/gguf';
import { toSerializedGgufError } from '$lib/protocol/gguf-errors';
import { answerCall, createCallServer } from '$lib/protocol/rpc';
import type { CallTask } from '$lib/protocol/rpc';
import { HearthError, stopped } from '$lib/types/errors';
import type { Usage } from '$lib/types/llm';
import { chunkEvents, templateKnowsTools, toWllamaRequest, wllamaChatResult } from './llm-wllama';
import type { WllamaLike } from './llm-wllama';

// The adapter between wllama (llama.cpp in WebAssembly) and the typed gguf protocol, free of
// `self` so it runs in Node against a double. Calls run one at a time in arrival order (the
// shared call server); a cancelled generation is aborted through wllama's abortSignal, a
// cancelled load by ending wllama's own worker.

/** Where wllama sends its log lines: kept (the last few) to explain a refused load. */
export interface WllamaLogSink {
	line(level: 'debug' | 'log' | 'warn' | 'error', text: string): void;
	/** wllama's own worker reported an `error` event: it died. */
	died(message: string): void;
}

export interface GgufHostDeps {
	/** A fresh wllama for each load: one instance loads one model, once. */
	createWllama: (log: WllamaLogSink) => WllamaLike;
	probe: () => Promise<GgufProbe>;
	post: (message: GgufFromWorker) => void;
	now?: () => number;
}

export interface GgufHost {
	handle(message: GgufToWorker): void;
}

type Task = CallTask<GgufCalls>;

/** llama.cpp's log lines kept to explain a failure. */
const LOG_LINES = 40;
/** All layers: llama.cpp caps it at the model's layer count. */
const ALL_LAYERS = 999;
const OVERFLOW_TOKENS = /request \((\d+) tokens\) exceeds the available context size/i;
/**
 * Text reaches the page at most this often after the first piece (one frame): llama.cpp can
 * stream several hundred tokens a second, and a message per token costs the page a task each
 * (and, on a busy machine, a thread switch each) for text it cannot paint faster than its frames.
 */
export const DELTA_INTERVAL_MS = 16;

function specKey(spec: GgufLoadSpec, device: GgufDevice): string {
	return JSON.stringify([spec.id, spec.contextSize, device, spec.threads]);
}

interface Loaded {
	key: string;
	id: string;
	wllama: WllamaLike;
	info: GgufLoaded;
}

export function createGgufHost(deps: GgufHostDeps): GgufHost {
	const now = deps.now ?? (() => performance.now());
	let loaded: Loaded | undefined;
	let probed: Promise<GgufProbe> | undefined;
	const log: string[] = [];

	const sink: WllamaLogSink = {
		line(level, text) {
			if (level === 'debug') return;
			log.push(text);
			if (log.length > LOG_LINES) log.shift();
		},
		died(message) {
			loaded = undefined;
			deps.post({ type: 'crashed', message });
		}
	};

	function probe(): Promise<GgufProbe> {
		probed ??= deps.probe();
		return probed;
	}

	async function unload(): Promise<void> {
		const current = loaded;
		loaded = undefined;
		await current?.wllama.exit().catch(() => undefined);
	}

	async function loadOn(
		task: Task,
		spec: GgufLoadSpec,
		device: GgufDevice,
		started: number
	): Promise<Loaded> {
		const wllama = deps.createWllama(sink);
		task.onCancel = () => void wllama.exit().catch(() => undefined);
		log.length = 0;
		deps.post({
			type: 'progress',
			id: task.request.id,
			progress: { text: device === 'webgpu' ? 'Loading onto the GPU…' : 'Loading…' }
		});
		try {
			await wllama.loadModel(spec.files, {
				n_ctx: spec.contextSize,
				n_threads: spec.threads,
				n_gpu_layers: device === 'webgpu' ? ALL_LAYERS : 0,
				reasoning_format: 'none',
				jinja: true
			});
		} catch (e) {
			await wllama.exit().catch(() => undefined);
			throw task.cancelled ? stopped() : failure(e);
		}
		if (task.cancelled) {
			await wllama.exit().catch(() => undefined);
			throw stopped();
		}
		const info = wllama.getLoadedContextInfo();
		if (info.success === false) {
			await wllama.exit().catch(() => undefined);
			// wllama reports a refused model only through llama.cpp's log; load_error says which.
			throw failure({ name: 'WllamaError', type: 'load_error', message: '' });
		}
		const template = wllama.getChatTemplate();
		return {
			key: specKey(spec, device),
			id: spec.id,
			wllama,
			info: {
				loadMs: now() - started,
				device,
				threads: wllama.getNumThreads(),
				// llama-server caps each request at the trained context, whatever n_ctx allocates.
				contextSize: info.n_ctx_train > 0 ? Math.min(info.n_ctx, info.n_ctx_train) : info.n_ctx,
				trainedContext: info.n_ctx_train,
				chatTemplate: template !== null,
				nativeTools: templateKnowsTools(template),
				vision: info.has_image_input,
				compat: !(await probe()).jspi || !(await probe()).memory64
			}
		};
	}

	async function load(task: Task, spec: GgufLoadSpec): Promise<GgufLoaded> {
		const started = now();
		const { gpu } = await probe();
		const device = ggufDeviceFor(spec.device, gpu);
		if (loaded?.key === specKey(spec, device)) return { ...loaded.info, loadMs: 0 };
		await unload();
		try {
			loaded = await loadOn(task, spec, device, started);
		} catch (e) {
			// WebGPU where it works, the CPU otherwise: a GPU that refuses the model (too little
			// memory, a driver limit) is not the model's fault, so the CPU gets a try.
			const code = e instanceof HearthError ? e.code : 'unknown';
			const modelsFault = ['model_corrupt', 'model_unsupported', 'aborted'].includes(code);
			if (device !== 'webgpu' || modelsFault || task.cancelled) throw e;
			loaded = await loadOn(task, spec, 'cpu', started);
		}
		return loaded.info;
	}

	function failure(e: unknown): HearthError {
		const error = toSerializedGgufError(e, log.join('\n'));
		return new HearthError(error.code, error.message, { cause: e });
	}

	function requireLoaded(modelId: string): Loaded {
		if (loaded?.id === modelId) return loaded;
		throw new HearthError(
			'model_not_found',
			`The in-browser engine has not loaded ${modelId}. Load the model, then try again.`
		);
	}

	async function chat(task: Task, params: GgufChatParams) {
		const model = requireLoaded(params.modelId);
		const controller = new AbortController();
		task.onCancel = () => controller.abort();
		const started = now();
		let firstTextAt: number | undefined;
		let finish: string | undefined;
		let usage: Usage | undefined;
		let promptMs: number | undefined;
		let decodeTokensPerSecond: number | undefined;
		// The first text goes at once (time to first token); the rest at most once a frame,
		// checked as each token arrives, so nothing waits longer than the next token.
		let pending = '';
		let postedAt = 0;
		const flush = (at: number) => {
			if (pending === '') return;
			deps.post({ type: 'delta', id: task.request.id, text: pending });
			pending = '';
			postedAt = at;
		};
		try {
			const request = toWllamaRequest(params, model.info.nativeTools, controller.signal);
			const stream = await model.wllama.createChatCompletion(request);
			for await (const chunk of stream) {
				if (task.cancelled) break;
				const events = chunkEvents(chunk);
				if (events.text) {
					const at = now();
					firstTextAt ??= at;
					pending += events.text;
					if (at - postedAt >= DELTA_INTERVAL_MS) flush(at);
				}
				if (events.fragments) {
					flush(now());
					deps.post({ type: 'tool-delta', id: task.request.id, fragments: events.fragments });
				}
				finish = events.finish ?? finish;
				usage = events.usage ?? usage;
				promptMs = events.promptMs ?? promptMs;
				decodeTokensPerSecond = events.decodeTokensPerSecond ?? decodeTokensPerSecond;
			}
			// Text held for the frame goes before the result (a stopped call's page listens no more).
			if (!task.cancelled) flush(now());
		} catch (e) {
			if (task.cancelled) throw stopped();
			// Text generated before a failure is kept by the page, held text included.
			flush(now());
			throw crashAware(e);
		}
		if (task.cancelled) throw stopped();
		return wllamaChatResult({
			finish,
			usage,
			promptMs,
			decodeTokensPerSecond,
			started,
			firstTextAt,
			end: now()
		});
	}

	/** A crash leaves the wasm dead: forget the model so nothing calls into it again. */
	function crashAware(e: unknown): HearthError {
		const error = failure(e);
		if (error.code === 'engine_crashed' || error.code === 'out_of_memory') loaded = undefined;
		return error;
	}

	async function countPrompt(
		task: Task,
		params: GgufCalls['countPrompt']['params']
	): Promise<GgufCalls['countPrompt']['result']> {
		const model = requireLoaded(params.modelId);
		const controller = new AbortController();
		task.onCancel = () => controller.abort();
		// One token is the least llama-server generates; the prompt it evaluated stays cached, so
		// the answer that follows prefills only what differs.
		const request = toWllamaRequest(
			{ modelId: params.modelId, messages: params.messages, options: { maxTokens: 1 } },
			model.info.nativeTools,
			controller.signal
		);
		let tokens: number | undefined;
		let cachedTokens: number | undefined;
		try {
			for await (const chunk of await model.wllama.createChatCompletion(request)) {
				if (chunk.usage) {
					tokens = chunk.usage.prompt_tokens;
					cachedTokens = chunk.usage.prompt_tokens_details?.cached_tokens;
				}
			}
		} catch (e) {
			if (task.cancelled) throw stopped();
			// Too long for the window: llama.cpp still says how long it is, which is the answer.
			const message = (e as { message?: unknown } | null)?.message;
			const over = typeof message === 'string' ? OVERFLOW_TOKENS.exec(message) : null;
			if (over) return { tokens: Number(over[1]) };
			throw crashAware(e);
		}
		if (tokens === undefined) {
			throw new HearthError('engine_malformed', 'llama.cpp did not report the prompt length.');
		}
		return cachedTokens === undefined ? { tokens } : { tokens, cachedTokens };
	}

	function run(task: Task): Promise<void> {
		return answerCall<GgufCalls>(
			task.request,
			{
				probe: () => probe(),
				load: (params) => load(task, params.model),
				chat: (params) => chat(task, params),
				countPrompt: (params) => countPrompt(task, params),
				unload: async () => {
					await unload();
					return null;
				}
			},
			deps.post,
			(e) => (task.cancelled ? stopped().toJSON() : toSerializedGgufError(e, log.join('\n')))
		);
	}

	const server = createCallServer<GgufCalls>({
		run,
		cancelled: (request) =>
			deps.post({
				type: 'result',
				id: request.id,
				call: request.call,
				ok: false,
				error: stopped().toJSON()
			}),
		immediate: (request) => request.call === 'probe'
	});

	return { handle: (message) => server.handle(message) };
}
