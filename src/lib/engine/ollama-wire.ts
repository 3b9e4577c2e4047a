import type { ChatRequest, ModelInfo, Timings, Usage } from '$lib/engine/types';

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
		stop: o?.stop
	});
	return {
		model: request.model,
		// A trailing assistant message is sent as is: Ollama continues it instead of starting anew.
		messages: request.messages.map(({ role, content }) => ({ role, content })),
		stream: true,
		...(Object.keys(options).length > 0 ? { options } : {})
	};
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
