import type { AppConfig } from '@mlc-ai/web-llm';
import type { LlmCalls, WebModelSpec } from '$lib/protocol/llm';
import type { ChatMessage, FinishReason, Timings, Usage } from '$lib/types/llm';

// The slice of web-llm the host uses, typed by what Hearth reads, so the host runs in Node
// against a double and MLCEngine satisfies it structurally.

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

function positive(n: number | undefined): number | undefined {
	return n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}

function finishOf(raw: string | null | undefined): FinishReason {
	return raw === 'length' ? 'length' : 'stop';
}

/** What one generation streamed, and when (all times from the host's clock). */
export interface StreamSummary {
	finish: string | null | undefined;
	usage: WebLlmChunk['usage'];
	started: number;
	firstTextAt: number | undefined;
	end: number;
}

/** Hearth's chat result from web-llm's finish reason and usage, with rates it could not give. */
export function chatResultOf(stream: StreamSummary): LlmCalls['chat']['result'] {
	const { finish, usage, started, firstTextAt, end } = stream;
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
