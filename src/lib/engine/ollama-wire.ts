import type { ChatMessage, ChatRequest, ModelInfo, Timings, Usage } from '$lib/engine/types';
import type { ProposedToolCall, ToolSpec } from '$lib/types/tools';

// The shapes of Ollama's REST API (/api/chat, /api/tags) mapped to and from Hearth's engine types.
// Pure functions: fetching, streaming and errors stay in `engine/ollama.ts`.

/** The fields of a streamed /api/chat line that Hearth reads; everything else is ignored. */
export interface ChatLine {
	message?: unknown;
	done?: unknown;
	done_reason?: unknown;
	error?: unknown;
	prompt_eval_count?: unknown;
	prompt_eval_duration?: unknown;
	eval_count?: unknown;
	eval_duration?: unknown;
}

export function chatBody(request: ChatRequest): Record<string, unknown> {
	const o = request.options;
	const options = definedOnly({
		temperature: o?.temperature,
		top_p: o?.topP,
		num_predict: o?.maxTokens,
		stop: o?.stop,
		seed: o?.seed
	});
	const tools = request.tools ?? [];
	return {
		model: request.model,
		// A trailing assistant message is sent as is: Ollama continues it instead of starting anew.
		messages: request.messages.map(toOllamaMessage),
		stream: true,
		...(tools.length > 0 ? { tools: tools.map(toOllamaTool) } : {}),
		// Ollama takes a JSON schema as `format` and constrains decoding to it.
		...(request.responseSchema ? { format: request.responseSchema } : {}),
		...(Object.keys(options).length > 0 ? { options } : {})
	};
}

/** Ollama's documented tool shape (the same as OpenAI's). */
function toOllamaTool(tool: ToolSpec): Record<string, unknown> {
	return {
		type: 'function',
		function: { name: tool.name, description: tool.description, parameters: tool.parameters }
	};
}

/**
 * History as Ollama reads it: an assistant turn's calls as `tool_calls` with object arguments,
 * a tool result as role `tool` naming its tool (`tool_name`, Ollama 0.9.6+; older ones ignore it).
 */
export function toOllamaMessage(message: ChatMessage): Record<string, unknown> {
	const { role, content, toolCalls, toolName } = message;
	if (role === 'assistant' && toolCalls && toolCalls.length > 0) {
		return {
			role,
			content,
			tool_calls: toolCalls.map((call) => ({
				function: { name: call.name, arguments: argumentsObject(call.argumentsText) }
			}))
		};
	}
	if (role === 'tool')
		return toolName === undefined ? { role, content } : { role, content, tool_name: toolName };
	const images = message.images ?? [];
	// Ollama's documented form: bare base64 beside the text; it tells the format from the bytes.
	if (images.length > 0) return { role, content, images: images.map((image) => image.base64) };
	return { role, content };
}

/**
 * Ollama only takes arguments as an object. Text that never parsed (a call the agent refused as
 * malformed) goes as `{}`: the tool result that follows says what was wrong with it.
 */
function argumentsObject(text: string): Record<string, unknown> {
	try {
		const parsed: unknown = JSON.parse(text);
		return isRecord(parsed) ? parsed : {};
	} catch {
		return {};
	}
}

/**
 * The calls in one streamed message. Ollama sends each call whole, arguments as an object; newer
 * versions add `id` and `function.index`. A string of arguments (a proxy passing the model's raw
 * output on) is kept verbatim so the agent can repair or reject it. `makeId` fills a missing id.
 */
export function toToolCalls(message: unknown, makeId: () => string): ProposedToolCall[] {
	if (!isRecord(message) || !Array.isArray(message.tool_calls)) return [];
	return message.tool_calls.flatMap((raw): ProposedToolCall[] => {
		if (!isRecord(raw) || !isRecord(raw.function)) return [];
		const { name, arguments: args } = raw.function;
		if (typeof name !== 'string' || name === '') return [];
		const argumentsText =
			typeof args === 'string' ? args : args === undefined ? '{}' : JSON.stringify(args);
		const id = typeof raw.id === 'string' && raw.id !== '' ? raw.id : makeId();
		return [{ id, name, argumentsText }];
	});
}

function definedOnly(record: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

export function toModelInfo(value: unknown): ModelInfo | undefined {
	if (!isRecord(value) || typeof value.name !== 'string') return undefined;
	const details = isRecord(value.details) ? value.details : {};
	return {
		id: value.name,
		name: value.name,
		sizeBytes: numberOrUndefined(value.size),
		family: stringOrUndefined(details.family),
		parameterSize: stringOrUndefined(details.parameter_size),
		quantization: stringOrUndefined(details.quantization_level)
	};
}

export function toUsage(line: ChatLine): Usage | undefined {
	const prompt = numberOrUndefined(line.prompt_eval_count);
	const completion = numberOrUndefined(line.eval_count);
	if (prompt === undefined && completion === undefined) return undefined;
	// Ollama omits prompt_eval_count when the whole prompt came from its cache.
	return { promptTokens: prompt ?? 0, completionTokens: completion ?? 0 };
}

export function toTimings(
	line: ChatLine,
	totalMs: number,
	firstTextAt: number | undefined,
	startedAt: number
): Timings {
	const promptNs = numberOrUndefined(line.prompt_eval_duration);
	const evalCount = numberOrUndefined(line.eval_count);
	const evalNs = numberOrUndefined(line.eval_duration);
	return {
		totalMs,
		timeToFirstTokenMs: firstTextAt === undefined ? undefined : firstTextAt - startedAt,
		promptMs: promptNs === undefined ? undefined : promptNs / 1e6,
		decodeTokensPerSecond:
			evalCount !== undefined && evalNs !== undefined && evalNs > 0
				? evalCount / (evalNs / 1e9)
				: undefined
	};
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOrUndefined(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringOrUndefined(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}
