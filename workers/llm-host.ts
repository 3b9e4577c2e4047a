import type {
	GpuProbe,
	LlmCallName,
	LlmCalls,
	LlmFromWorker,
	LlmToWorker,
	WebModelSpec
} from '$lib/protocol/llm';
import { DEVICE_LOST_MESSAGE, toSerializedLlmError } from '$lib/protocol/llm-errors';
import { answerCall, createCallServer } from '$lib/protocol/rpc';
import type { CallTask } from '$lib/protocol/rpc';
import type { LoadProgress } from '$lib/types/llm';
import { HearthError, stopped } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';
import { appConfigFor, chatResultOf, toWebLlmMessages } from '$workers/llm-webllm';
import type { WebLlmChunk, WebLlmLike, WebLlmProgress } from '$workers/llm-webllm';

// The adapter between web-llm's MLCEngine and the typed llm protocol, free of `self` and of
// WebGPU so it runs in Node against a double. Calls that touch the engine run one at a time,
// in arrival order: web-llm itself serialises generations per model, and a load while a chat
// runs would pull the model out from under it. A queued call that is cancelled answers
// `aborted` at once without ever running.

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

/** The running call sets `onCancel`: how to stop web-llm mid-way. */
type Task = CallTask<LlmCalls>;

function specKey(spec: WebModelSpec): string {
	return JSON.stringify([spec.id, spec.modelUrl, spec.modelLibUrl, spec.contextWindow]);
}

export function createLlmHost(deps: LlmHostDeps): LlmHost {
	const now = deps.now ?? (() => performance.now());
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
			const { responseSchema } = params;
			const stream = await llm.chat.completions.create({
				stream: true,
				stream_options: { include_usage: true },
				messages: toWebLlmMessages(params.messages),
				temperature: options?.temperature,
				top_p: options?.topP,
				max_tokens: options?.maxTokens,
				stop: options?.stop,
				...(responseSchema
					? { response_format: { type: 'json_object', schema: JSON.stringify(responseSchema) } }
					: {})
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
		return chatResultOf({ finish, usage, started, firstTextAt, end: now() });
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

	function run(task: Task): Promise<void> {
		return answerCall<LlmCalls>(
			task.request,
			{
				load: (params) => load(task, params.model),
				chat: (params) => chat(task, params),
				countTokens,
				unload: async () => {
					loaded = undefined;
					await engine?.unload();
					return null;
				},
				probe: () => deps.probeGpu()
			},
			deps.post,
			// Whatever a cancelled call threw on its way out (an abort reason string, a broken
			// stream), the caller asked for it to stop.
			(e) => (task.cancelled ? stopped().toJSON() : toSerializedLlmError(e))
		);
	}

	const server = createCallServer<LlmCalls>({
		run,
		cancelled: (request) => fail(request.id, request.call, stopped().toJSON()),
		// A GPU probe never touches the engine, so it need not wait behind a long load.
		immediate: (request) => request.call === 'probe'
	});

	return { handle: (message) => server.handle(message) };
}
