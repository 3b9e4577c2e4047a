import type { AppConfig } from '@mlc-ai/web-llm';
import type { LlmCalls, WebModelSpec } from '$lib/protocol/llm';
import type { ChatMessage, FinishReason, Timings, Usage } from '$lib/types/llm';
import type { ProposedToolCall } from '$lib/types/tools';

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

/**
 * A message as web-llm takes it for every model. Its `tool` role and `tool_calls` need a chat
 * template that has them (a few Hermes models), so Hearth never sends them: see toWebLlmMessages.
 */
export type WebLlmMessage =
	| { role: 'system'; content: string }
	| { role: 'user'; content: string | WebLlmContentPart[] }
	| { role: 'assistant'; content: string };

/**
 * web-llm's user content parts: at most one text part, and images as `data:image/…` URLs (it
 * refuses other URLs and `detail`). Only vision models (Phi-3.5-vision) accept parts at all.
 */
export type WebLlmContentPart =
	{ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface WebLlmChatRequest {
	stream: true;
	stream_options: { include_usage: true };
	messages: WebLlmMessage[];
	temperature?: number;
	top_p?: number;
	max_tokens?: number;
	stop?: string[];
	/** Grammar-constrained JSON: web-llm compiles the schema (a JSON string) with xgrammar. */
	response_format?: { type: 'json_object'; schema: string };
}

/**
 * The first line of a tool result passed as a user message. The agent's schema mode writes the
 * same label, and the fixture servers read it (tests/fixtures/fixture-replies.js).
 */
export function toolResultLabel(toolName: string | undefined): string {
	return `Tool result (${toolName ?? 'a tool'}):`;
}

/**
 * Hearth's history as web-llm takes it for any model: a tool result becomes a user message
 * under a label line naming the tool; an assistant turn's calls become the JSON it would have
 * written in schema mode (`{"action":"call","tool":…,"arguments":…}`, one per line), after its
 * text unless that text is already such JSON.
 */
export function toWebLlmMessages(messages: readonly ChatMessage[]): WebLlmMessage[] {
	return messages.map((message): WebLlmMessage => {
		const { role, content } = message;
		switch (role) {
			case 'tool':
				return { role: 'user', content: `${toolResultLabel(message.toolName)}\n${content}` };
			case 'user': {
				const images = message.images ?? [];
				if (images.length === 0) return { role, content };
				return {
					role,
					content: [
						{ type: 'text', text: content },
						...images.map((image): WebLlmContentPart => ({
							type: 'image_url',
							image_url: { url: `data:${image.mime};base64,${image.base64}` }
						}))
					]
				};
			}
			case 'assistant': {
				const calls = message.toolCalls ?? [];
				if (calls.length === 0 || isActionJson(content)) return { role, content };
				const lines = calls.map(callJson);
				return { role, content: [content, ...lines].filter((s) => s.trim() !== '').join('\n') };
			}
			default:
				return { role, content };
		}
	});
}

function callJson(call: ProposedToolCall): string {
	// Arguments that never parsed are spliced in raw, so the model sees what it wrote.
	let args: string;
	try {
		args = JSON.stringify(JSON.parse(call.argumentsText));
	} catch {
		args = call.argumentsText;
	}
	return `{"action":"call","tool":${JSON.stringify(call.name)},"arguments":${args}}`;
}

function isActionJson(text: string): boolean {
	try {
		const parsed: unknown = JSON.parse(text);
		return typeof parsed === 'object' && parsed !== null && 'action' in parsed;
	} catch {
		return false;
	}
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
