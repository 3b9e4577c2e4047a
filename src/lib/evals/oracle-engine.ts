// Test-only: an LlmEngine that answers known prompts as scripted (right or wrong on purpose),
// calling tools natively first when told to, and reading the tool results it got back. The
// engine is the boundary the harness does not own; everything behind it is the real turn.
import type { ChatDelta, ChatRequest, EngineProbe, LlmEngine, ModelInfo } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';

export interface OracleReply {
	/** Calls made before answering (native tool calling), all in one step. */
	calls?: { name: string; args: unknown }[];
	/** The answer: fixed, or from the tool results and the system prompt. */
	text: string | ((seen: { results: string[]; system: string }) => string);
	/** Wait this long before the first text (a slow model). */
	delayMs?: number;
	error?: HearthError;
}

export class OracleEngine implements LlmEngine {
	readonly kind = 'ollama' as const;
	readonly label = 'Oracle engine';
	readonly toolCalling = 'native' as const;
	readonly requests: ChatRequest[] = [];
	readonly #replies: Readonly<Record<string, OracleReply>>;

	/** `replies` by the person's message (exactly as the case asks it). */
	constructor(replies: Readonly<Record<string, OracleReply>>) {
		this.#replies = replies;
	}

	async probe(): Promise<EngineProbe> {
		return { ok: true };
	}
	async listModels(): Promise<ModelInfo[]> {
		return [{ id: 'oracle', name: 'oracle', contextLength: 8192 }];
	}
	async load(): Promise<void> {}
	async dispose(): Promise<void> {}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
		this.requests.push(structuredClone(request));
		const messages = request.messages;
		const turn = messages.findLastIndex((m) => m.role === 'user');
		const prompt = messages[turn]?.content ?? '';
		const after = messages.slice(turn + 1);
		const results = after.filter((m) => m.role === 'tool').map((m) => m.content);
		const system = messages
			.filter((m) => m.role === 'system')
			.map((m) => m.content)
			.join('\n');
		const reply = this.#replies[prompt];
		if (reply?.error) throw reply.error;
		const calling = reply?.calls?.length && request.tools?.length && after.length === 0;
		if (reply?.delayMs) await sleep(reply.delayMs, signal);
		if (calling) {
			for (const [i, call] of reply.calls!.entries()) {
				yield {
					type: 'tool_call',
					call: { id: `oracle-${i}`, name: call.name, argumentsText: JSON.stringify(call.args) }
				};
			}
			yield { type: 'done', finishReason: 'tool_calls', usage: usage(0), timings: { totalMs: 1 } };
			return;
		}
		const text = !reply
			? "I don't know."
			: typeof reply.text === 'string'
				? reply.text
				: reply.text({ results, system });
		const pieces = text.match(/.{1,4}/gs) ?? [];
		for (const piece of pieces) {
			if (signal?.aborted) throw new HearthError('aborted', 'Stopped.');
			await Promise.resolve();
			yield { type: 'text', text: piece };
		}
		yield {
			type: 'done',
			finishReason: 'stop',
			usage: usage(pieces.length),
			timings: { totalMs: 2, decodeTokensPerSecond: 40 }
		};
	}
}

function usage(completionTokens: number) {
	return { promptTokens: 20, completionTokens };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => {
			clearTimeout(timer);
			reject(new HearthError('aborted', 'Stopped.'));
		});
	});
}
