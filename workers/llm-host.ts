import type { AppConfig } from '@mlc-ai/web-llm';
import type {
	GpuProbe,
	LlmCallName,
	LlmCalls,
	LlmFromWorker,
	LlmRequest,
	LlmToWorker,
	WebModelSpec
} from '$lib/protocol/llm';
import { DEVICE_LOST_MESSAGE, toSerializedLlmError } from '$lib/protocol/llm-errors';
import type { ChatMessage, FinishReason, LoadProgress, Timings, Usage } from '$lib/types/llm';
import { HearthError } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';

// The adapter between web-llm's MLCEngine and the typed llm protocol, free of `self` and of
// WebGPU so it runs in Node against a double. Calls that touch the engine run one at a time,
// in arrival order: web-llm itself serialises generations per model, and a load while a chat
// runs would pull the model out from under it. A queued call that is cancelled answers
// `aborted` at once without ever running.

/** One streamed chunk, as much of web-llm's ChatCompletionChunk as Hearth reads. */
export interface WebLlmChunk {
	choices: { delta: { content?: string | null }; finish_reason: string | null }[];
	usage?: {
		prompt_tokens: number;
		completion_tokens: number;
		extra?: { prefill_tokens_per_s?: number; decode_tokens_per_s?: number };
	};
}

export interface WebLlmChatRequest {
	stream: true;
	stream_options: { include_usage: true };
	messages: ChatMessage[];
	temperature?: number;
	top_p?: number;
	max_tokens?: number;
	stop?: string[];
}

/** What web-llm's init progress callback reports (InitProgressReport). */
export interface WebLlmProgress {
	progress: number;
	text: string;
}

/** The part of web-llm's MLCEngine the host uses; MLCEngine satisfies it structurally. */
export interface WebLlmLike {
	setAppConfig(config: AppConfig): void;
	/** Resolves (or rejects) early when `unload()` aborts it. */
	reload(modelId: string): Promise<void>;
	chat: {
		completions: {
			create(request: WebLlmChatRequest): Promise<AsyncIterable<WebLlmChunk>>;
		};
	};
	/** Asks the running generation to stop after its current step; it ends with finish 'abort'. */
	interruptGenerate(): Promise<void> | void;
	unload(): Promise<void>;
}

export interface LlmHostDeps {
	/** Called once, on the first call that needs the engine. */
	createEngine: (onProgress: (report: WebLlmProgress) => void) => WebLlmLike;
	probeGpu: () => Promise<GpuProbe>;
	post: (message: LlmFromWorker) => void;
	/** The loaded model's own token counts; absent means countTokens fails and the page estimates. */
	countTokens?: (engine: WebLlmLike, modelId: string, texts: string[]) => number[];
	now?: () => number;
}

export interface LlmHost {
	handle(message: LlmToWorker): void;
}

interface Task {
	readonly request: LlmRequest;
	cancelled: boolean;
	/** Set by the running call: how to stop web-llm mid-way. */
	onCancel?: () => void;
}

const stopped = (): HearthError => new HearthError('aborted', 'Stopped.');

/** web-llm's ModelRecord for one spec; the page's store owns downloads, so URLs are absolute. */
export function appConfigFor(spec: WebModelSpec): AppConfig {
	return {
		model_list: [
			{
				model: spec.modelUrl,
				model_id: spec.id,
				model_lib: spec.modelLibUrl,
				overrides: { context_window_size: spec.contextWindow },
				vram_required_MB: spec.vramMB,
				required_features: spec.requiredFeatures
			}
		],
		cacheBackend: 'cache'
	};
}

function specKey(spec: WebModelSpec): string {
	return JSON.stringify([spec.id, spec.modelUrl, spec.modelLibUrl, spec.contextWindow]);
}

function positive(n: number | undefined): number | undefined {
	return n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

function finishOf(raw: string | null | undefined): FinishReason {
	return raw === 'length' ? 'length' : 'stop';
}

export function createLlmHost(deps: LlmHostDeps): LlmHost {
	const now = deps.now ?? (() => performance.now());
	const waiting: Task[] = [];
	let current: Task | undefined;
	let engine: WebLlmLike | undefined;
	let loaded: { key: string; id: string } | undefined;
	let progressTask: Task | undefined;

	const fail = (id: number, call: LlmCallName, error: SerializedError): void =>
		deps.post({ type: 'result', id, call, ok: false, error });

	function ensureEngine(): WebLlmLike {
		engine ??= deps.createEngine((report) => {
			const task = progressTask;
			if (!task || task.cancelled) return;
			const progress: LoadProgress = { fraction: report.progress, text: report.text };
			deps.post({ type: 'progress', id: task.request.id, progress });
		});
		return engine;
	}

	async function load(task: Task, spec: WebModelSpec): Promise<LlmCalls['load']['result']> {
		const started = now();
		if (loaded?.key === specKey(spec)) return { loadMs: 0 };
		const llm = ensureEngine();
		// unload() aborts a reload in flight (web-llm's reloadController).
		task.onCancel = () => void llm.unload().catch(() => undefined);
		progressTask = task;
		try {
			if (loaded) {
				loaded = undefined;
				await llm.unload();
			}
			llm.setAppConfig(appConfigFor(spec));
			await llm.reload(spec.id);
			// web-llm swallows some aborts and resolves; a cancel that came too early to abort the
			// download (before reload set up its controller) let it finish: free it again.
			if (task.cancelled) {
				await llm.unload().catch(() => undefined);
				throw stopped();
			}
			loaded = { key: specKey(spec), id: spec.id };
			return { loadMs: now() - started };
		} finally {
			progressTask = undefined;
		}
	}

	function requireLoaded(modelId: string): WebLlmLike {
		if (engine && loaded?.id === modelId) return engine;
		throw new HearthError(
			'model_not_found',
			`The in-browser engine has not loaded ${modelId}. Load the model, then try again.`
		);
	}

	async function chat(
		task: Task,
		params: LlmCalls['chat']['params']
	): Promise<LlmCalls['chat']['result']> {
		const llm = requireLoaded(params.modelId);
		const { options } = params;
		const started = now();
		// web-llm clears its interrupt flag when the generation starts, so an early cancel is also
		// honoured by leaving the stream at the next chunk (its `finally` releases the model lock).
		task.onCancel = () => void Promise.resolve(llm.interruptGenerate()).catch(() => undefined);
		let firstTextAt: number | undefined;
		let finish: string | null | undefined;
		let usage: WebLlmChunk['usage'];
		try {
			const stream = await llm.chat.completions.create({
				stream: true,
				stream_options: { include_usage: true },
				messages: params.messages,
				temperature: options?.temperature,
				top_p: options?.topP,
				max_tokens: options?.maxTokens,
				stop: options?.stop
			});
			for await (const chunk of stream) {
				if (task.cancelled) break;
				const choice = chunk.choices[0];
				const text = choice?.delta.content;
				if (text) {
					firstTextAt ??= now();
					deps.post({ type: 'delta', id: task.request.id, text });
				}
				if (choice?.finish_reason) finish = choice.finish_reason;
				if (chunk.usage) usage = chunk.usage;
			}
		} catch (e) {
			// web-llm unloads by itself when its device is lost; the next request then finds no model.
			if (!task.cancelled && loaded && toSerializedLlmError(e).code === 'model_not_found') {
				loaded = undefined;
				throw new HearthError('webgpu_device_lost', DEVICE_LOST_MESSAGE, { cause: e });
			}
			throw e;
		}
		if (task.cancelled || finish === 'abort') throw stopped();
		const end = now();
		const usageOut: Usage | undefined = usage && {
			promptTokens: usage.prompt_tokens,
			completionTokens: usage.completion_tokens
		};
		const prefillRate = positive(usage?.extra?.prefill_tokens_per_s);
		const decodeRate =
			positive(usage?.extra?.decode_tokens_per_s) ??
			(usage && firstTextAt !== undefined && end > firstTextAt
				? positive(usage.completion_tokens / ((end - firstTextAt) / 1000))
				: undefined);
		const timings: Timings = {
			totalMs: end - started,
			timeToFirstTokenMs: firstTextAt === undefined ? undefined : firstTextAt - started,
			promptMs: usage && prefillRate ? (usage.prompt_tokens / prefillRate) * 1000 : undefined,
			decodeTokensPerSecond: decodeRate
		};
		return { finishReason: finishOf(finish), usage: usageOut, timings };
	}

	function countTokens(
		params: LlmCalls['countTokens']['params']
	): LlmCalls['countTokens']['result'] {
		const llm = requireLoaded(params.modelId);
		if (!deps.countTokens) {
			throw new HearthError(
				'model_unsupported',
				'The in-browser engine cannot count tokens here; Hearth estimates instead.'
			);
		}
		return { counts: deps.countTokens(llm, params.modelId, params.texts) };
	}

	async function run(task: Task): Promise<void> {
		const { request } = task;
		const { id } = request;
		try {
			switch (request.call) {
				case 'load': {
					const value = await load(task, request.params.model);
					deps.post({ type: 'result', id, call: 'load', ok: true, value });
					break;
				}
				case 'chat': {
					const value = await chat(task, request.params);
					deps.post({ type: 'result', id, call: 'chat', ok: true, value });
					break;
				}
				case 'countTokens': {
					const value = countTokens(request.params);
					deps.post({ type: 'result', id, call: 'countTokens', ok: true, value });
					break;
				}
				case 'unload': {
					loaded = undefined;
					await engine?.unload();
					deps.post({ type: 'result', id, call: 'unload', ok: true, value: null });
					break;
				}
				case 'probe': {
					const value = await deps.probeGpu();
					deps.post({ type: 'result', id, call: 'probe', ok: true, value });
					break;
				}
			}
		} catch (e) {
			// Whatever a cancelled call threw on its way out (an abort reason string, a broken
			// stream), the caller asked for it to stop.
			fail(id, request.call, task.cancelled ? stopped().toJSON() : toSerializedLlmError(e));
		}
	}

	async function pump(): Promise<void> {
		if (current) return;
		const next = waiting.shift();
		if (!next) return;
		current = next;
		try {
			await run(next);
		} finally {
			current = undefined;
			void pump();
		}
	}

	function cancel(id: number): void {
		if (current?.request.id === id) {
			if (current.cancelled) return;
			current.cancelled = true;
			current.onCancel?.();
			return;
		}
		const index = waiting.findIndex((t) => t.request.id === id);
		if (index < 0) return;
		const [task] = waiting.splice(index, 1);
		if (task) fail(id, task.request.call, stopped().toJSON());
	}

	return {
		handle(message) {
			if (message.type === 'cancel') return cancel(message.id);
			const task: Task = { request: message, cancelled: false };
			// A GPU probe never touches the engine, so it need not wait behind a long load.
			if (message.call === 'probe') return void run(task);
			waiting.push(task);
			void pump();
		}
	};
}

/**
 * Token counts by the loaded model's own tokenizer. web-llm keeps it private
 * (MLCEngine.loadedModelIdToPipeline → LLMChatPipeline.tokenizer.encode), so this is the one
 * place that reaches in, checking every step at run time: if web-llm changes shape, countTokens
 * fails with a coded error and the page estimates instead of crashing.
 */
export function countTokensViaPipeline(engine: object, modelId: string, texts: string[]): number[] {
	const pipelines = (engine as { loadedModelIdToPipeline?: unknown }).loadedModelIdToPipeline;
	const pipeline = pipelines instanceof Map ? (pipelines.get(modelId) as unknown) : undefined;
	const tokenizer =
		typeof pipeline === 'object' && pipeline !== null
			? (pipeline as { tokenizer?: unknown }).tokenizer
			: undefined;
	const encode =
		typeof tokenizer === 'object' && tokenizer !== null
			? (tokenizer as { encode?: unknown }).encode
			: undefined;
	if (typeof encode !== 'function') {
		throw new HearthError(
			'model_unsupported',
			'This version of the in-browser engine does not expose its tokenizer; Hearth estimates instead.'
		);
	}
	return texts.map((text) => {
		const ids: unknown = encode.call(tokenizer, text);
		const length = (ids as { length?: unknown } | null)?.length;
		if (typeof length !== 'number') {
			throw new HearthError(
				'model_unsupported',
				'The tokenizer gave an answer Hearth cannot read.'
			);
		}
		return length;
	});
}

/** The slice of WebGPU the probe reads; older Chromium had requestAdapterInfo() instead of info. */
export interface GpuLike {
	requestAdapter(options?: {
		powerPreference?: 'high-performance' | 'low-power';
	}): Promise<GpuAdapterLike | null>;
}

export interface GpuAdapterLike {
	readonly features: { has(feature: string): boolean };
	readonly limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
	readonly info?: GpuAdapterInfoLike;
	readonly isFallbackAdapter?: boolean;
	requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>;
	requestDevice(): Promise<{ lost: Promise<{ reason: string; message: string }> }>;
}

interface GpuAdapterInfoLike {
	vendor?: string;
	architecture?: string;
	description?: string;
	isFallbackAdapter?: boolean;
}

function messageOf(e: unknown): string {
	return e instanceof Error ? e.message : typeof e === 'string' ? e : 'no reason given';
}

const nonEmpty = (s: string | undefined): string | undefined => (s ? s : undefined);

/** What this browser's WebGPU adapter offers, as web-llm will see it (it asks for high-performance). */
export async function probeGpuWith(gpu: GpuLike | undefined): Promise<GpuProbe> {
	if (!gpu) {
		return { webgpu: false, shaderF16: false, reason: 'This browser does not offer WebGPU.' };
	}
	let adapter: GpuAdapterLike | null;
	try {
		adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
	} catch (e) {
		return { webgpu: false, shaderF16: false, reason: `WebGPU refused: ${messageOf(e)}` };
	}
	if (!adapter) {
		return {
			webgpu: false,
			shaderF16: false,
			reason: 'WebGPU is present but found no usable GPU (it may be disabled or blocklisted).'
		};
	}
	const info = adapter.info ?? (await adapter.requestAdapterInfo?.().catch(() => undefined));
	return {
		webgpu: true,
		vendor: nonEmpty(info?.vendor),
		architecture: nonEmpty(info?.architecture),
		description: nonEmpty(info?.description),
		fallbackAdapter: info?.isFallbackAdapter ?? adapter.isFallbackAdapter,
		shaderF16: adapter.features.has('shader-f16'),
		maxBufferSize: adapter.limits.maxBufferSize,
		maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize
	};
}

/**
 * Watches for GPU loss through a sentinel device of our own. web-llm's device is private, so
 * this sees what takes every device down (a driver reset, a crashed GPU process), not a loss
 * of web-llm's device alone (its out-of-memory): that one surfaces as DeviceLostError during
 * a load, or as the model vanishing before the next chat (see the chat handler).
 * Resolves once the sentinel exists; `onLost` fires at most once.
 */
export async function watchDeviceLoss(
	gpu: GpuLike | undefined,
	onLost: (message: string) => void
): Promise<boolean> {
	const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
	if (!adapter) return false;
	const device = await adapter.requestDevice();
	void device.lost.then((info) => {
		// We never destroy the sentinel, so any loss is real; 'destroyed' would be our own doing.
		if (info.reason !== 'destroyed') onLost(info.message || 'The GPU device was lost.');
	});
	return true;
}
