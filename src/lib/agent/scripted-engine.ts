// Test-only: an LlmEngine double whose replies are scripted per request, for agent-loop tests.
// The engine is the boundary the loop does not own; everything behind it (tools, taint) is real.
import type { ChatDelta, ChatRequest, EngineProbe, LlmEngine, ModelInfo } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import type { FinishReason, Usage } from '$lib/types/llm';

export interface ScriptedReply {
	/** Streamed as text deltas, one per element. */
	text?: string | string[];
	/** Native tool calls; `args` is sent as JSON text unless `argumentsText` is given. */
	calls?: { name: string; args?: unknown; argumentsText?: string; id?: string }[];
	finishReason?: FinishReason;
	usage?: Usage;
	/** Thrown before anything is streamed (e.g. tools_unsupported). */
	error?: HearthError;
	/** After the text, wait until the request is aborted (a reply that never ends). */
	hang?: boolean;
}

/** A reply, or a function of the request for replies that depend on what the loop sent. */
export type ScriptStep = ScriptedReply | ((request: ChatRequest) => ScriptedReply);

export class ScriptedEngine implements LlmEngine {
	readonly kind = 'ollama' as const;
	readonly label = 'Scripted engine';
	readonly toolCalling: LlmEngine['toolCalling'];
	/** Every request the loop made, in order. */
	readonly requests: ChatRequest[] = [];
	/** The signal each request came with, in the same order. */
	readonly signals: (AbortSignal | undefined)[] = [];
	readonly #script: ScriptStep[];
	/** Each request's stream, settled when it returns or throws. */
	readonly #streams: Promise<void>[] = [];

	constructor(toolCalling: LlmEngine['toolCalling'], script: ScriptStep[]) {
		this.toolCalling = toolCalling;
		this.#script = [...script];
	}

	/** Replies not yet used: a test that expects the loop to stop can check it stopped in time. */
	get remaining(): number {
		return this.#script.length;
	}

	async probe(): Promise<EngineProbe> {
		return { ok: true };
	}

	async listModels(): Promise<ModelInfo[]> {
		return [{ id: 'scripted', name: 'scripted' }];
	}

	async load(): Promise<void> {}

	/** Resolves once every stream started so far has ended (a hanging one ends when aborted). */
	async settled(): Promise<void> {
		await Promise.all(this.#streams);
	}

	async *chat(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
		let ended!: () => void;
		this.#streams.push(new Promise<void>((resolve) => (ended = resolve)));
		try {
			yield* this.#reply(request, signal);
		} finally {
			ended();
		}
	}

	async *#reply(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
		this.requests.push(structuredClone(request));
		this.signals.push(signal);
		const step = this.#script.shift();
		if (!step) throw new Error(`The script has no reply for request ${this.requests.length}.`);
		const reply = typeof step === 'function' ? step(request) : step;
		if (reply.error) throw reply.error;
		const pieces = typeof reply.text === 'string' ? [reply.text] : (reply.text ?? []);
		let completion = 0;
		for (const text of pieces) {
			await tick(signal);
			completion++;
			yield { type: 'text', text };
		}
		for (const [i, call] of (reply.calls ?? []).entries()) {
			yield {
				type: 'tool_call',
				call: {
					id: call.id ?? `engine-${this.requests.length}-${i}`,
					name: call.name,
					argumentsText: call.argumentsText ?? JSON.stringify(call.args ?? {})
				}
			};
		}
		if (reply.hang) await untilAborted(signal);
		await tick(signal);
		yield {
			type: 'done',
			finishReason: reply.finishReason ?? (reply.calls?.length ? 'tool_calls' : 'stop'),
			usage: reply.usage ?? { promptTokens: 10, completionTokens: completion },
			timings: { totalMs: 1, promptMs: 2, decodeTokensPerSecond: 50 }
		};
	}

	async dispose(): Promise<void> {}
}

/**
 * A plain text reply streamed a few characters per delta, as a real stream sends it (so callers
 * must join deltas), or an error thrown before anything streams.
 */
export function textReply(reply: string | HearthError, finishReason?: FinishReason): ScriptedReply {
	if (reply instanceof HearthError) return { error: reply };
	return { text: reply.match(/.{1,5}/gs) ?? [], ...(finishReason ? { finishReason } : {}) };
}

/** A native-tool-calling engine answering each request with the next step; strings stream. */
export function textEngine(steps: (string | HearthError | ScriptStep)[]): ScriptedEngine {
	const script = steps.map((step) =>
		typeof step === 'string' || step instanceof HearthError ? textReply(step) : step
	);
	return new ScriptedEngine('native', script);
}

/** A schema-mode reply that calls a tool. */
export function schemaCall(tool: string, args: unknown): ScriptedReply {
	return { text: JSON.stringify({ action: 'call', tool, arguments: args }) };
}

/** A schema-mode reply that says the model can answer now. */
export const SCHEMA_ANSWER: ScriptedReply = { text: '{"action":"answer"}' };

async function tick(signal: AbortSignal | undefined): Promise<void> {
	await new Promise((resolve) => setTimeout(resolve, 0));
	if (signal?.aborted) throw new HearthError('aborted', 'Stopped.');
}

function untilAborted(signal: AbortSignal | undefined): Promise<never> {
	return new Promise((_, reject) => {
		const fail = () => reject(new HearthError('aborted', 'Stopped.'));
		if (signal?.aborted) fail();
		signal?.addEventListener('abort', fail, { once: true });
	});
}
