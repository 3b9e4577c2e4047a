import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatDelta, ChatRequest, LlmEngine } from '$lib/engine/types';
import type { ErrorCode } from '$lib/types/errors';
import { HearthError } from '$lib/types/errors';
import type { JsonSchema, ProposedToolCall, ToolSpec } from '$lib/types/tools';

/** The tool the contract's tool prompts make the backend call, with these arguments. */
export const CONTRACT_TOOL: ToolSpec = {
	name: 'lookup',
	description: 'Looks a word up.',
	parameters: {
		type: 'object',
		properties: { query: { type: 'string' } },
		required: ['query']
	}
};
export const CONTRACT_TOOL_ARGS = { query: 'hearth' };
/** The result the contract sends back; the backend's next reply must quote it. */
export const CONTRACT_TOOL_RESULT = 'RESULT-42: a hearth is a fireplace.';
/** The schema the contract's structured prompt is constrained to. */
export const CONTRACT_SCHEMA: JsonSchema = {
	type: 'object',
	properties: { city: { type: 'string' }, population: { type: 'integer' } },
	required: ['city', 'population']
};

/**
 * What an engine implementation's test supplies so the shared contract can run against it.
 * Behaviours are triggered by prompts the implementation's backend (a fixture server, a scripted
 * fake model) understands, so the contract never needs to know which engine it is testing.
 */
export interface ContractContext {
	engine: LlmEngine;
	/** A model id the backend has, so load() and chat() succeed. */
	model: string;
	prompts: {
		/** Any prompt that gets a short, complete reply. */
		ok: string;
		/** A reply long and slow enough (seconds) to abort mid-way. */
		slow: string;
		/** The backend fails the request (HTTP 500 or the engine's equivalent). */
		serverError?: string;
		/** The backend sends at least one text chunk, then a line the engine cannot parse. */
		malformed?: string;
		/** The backend sends at least one text chunk, then drops the connection without finishing. */
		drop?: string;
		/**
		 * Sent with `tools: [CONTRACT_TOOL]`, the backend calls it once with CONTRACT_TOOL_ARGS
		 * (native engines only). Also opens the round trip: after the call and its result, the
		 * backend answers with text quoting the result.
		 */
		toolCall?: string;
		/** Sent with `responseSchema: CONTRACT_SCHEMA`, the backend replies with JSON matching it. */
		structured?: string;
	};
	/** Text the serverError reply carries, which the error message must pass on to the user. */
	serverErrorMessage?: string;
	/** A model id the backend does not have; chat() must fail with model_not_found. */
	missingModel?: string;
	/** An engine of the same kind whose backend cannot be reached. */
	unreachableEngine: () => LlmEngine | Promise<LlmEngine>;
	/** The code a failed probe of `unreachableEngine()` reports (default engine_unreachable). */
	unreachableCode?: ErrorCode;
	/** Ends the backend and anything else setup started. */
	close: () => Promise<void>;
}

export interface Collected {
	deltas: ChatDelta[];
	text: string;
	error?: unknown;
}

/** Drains a chat stream, keeping what arrived before a failure instead of losing it to the throw. */
export async function collectChat(
	engine: LlmEngine,
	request: ChatRequest,
	signal?: AbortSignal,
	onDelta?: (delta: ChatDelta) => void
): Promise<Collected> {
	const deltas: ChatDelta[] = [];
	try {
		for await (const delta of engine.chat(request, signal)) {
			deltas.push(delta);
			onDelta?.(delta);
		}
		return { deltas, text: joinText(deltas) };
	} catch (error) {
		return { deltas, text: joinText(deltas), error };
	}
}

function joinText(deltas: ChatDelta[]): string {
	return deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
}

function expectCode(error: unknown, code: ErrorCode): HearthError {
	expect(error).toBeInstanceOf(HearthError);
	const hearth = error as HearthError;
	expect(hearth.code, hearth.message).toBe(code);
	expect(hearth.message.length).toBeGreaterThan(0);
	return hearth;
}

/** The behaviour every LlmEngine must show, whatever runs the model. */
export function describeEngineContract(name: string, setup: () => Promise<ContractContext>): void {
	describe(`${name} satisfies the LlmEngine contract`, () => {
		let ctx: ContractContext;
		const ask = (content: string): ChatRequest => ({
			model: ctx.model,
			messages: [{ role: 'user', content }]
		});

		beforeAll(async () => {
			ctx = await setup();
		});
		afterAll(async () => {
			await ctx?.close();
		});

		it('probes ok and lists the model it was given', async () => {
			const probe = await ctx.engine.probe();
			expect(probe.ok).toBe(true);
			const models = await ctx.engine.listModels();
			expect(models.map((m) => m.id)).toContain(ctx.model);
		});

		it('load() resolves for an existing model', async () => {
			await expect(ctx.engine.load(ctx.model)).resolves.toBeUndefined();
		});

		it('streams text, then exactly one done with usage and timings, last', async () => {
			const { deltas, error } = await collectChat(ctx.engine, ask(ctx.prompts.ok));
			expect(error).toBeUndefined();
			const texts = deltas.filter((d) => d.type === 'text');
			const dones = deltas.filter((d) => d.type === 'done');
			expect(texts.length).toBeGreaterThanOrEqual(1);
			expect(texts.every((d) => d.text.length > 0)).toBe(true);
			expect(dones).toHaveLength(1);
			const done = deltas.at(-1);
			if (done?.type !== 'done') throw new Error('the last delta must be done');
			expect(['stop', 'length']).toContain(done.finishReason);
			expect(done.usage?.completionTokens).toBeGreaterThan(0);
			expect(done.usage?.promptTokens).toBeGreaterThanOrEqual(0);
			const { totalMs, timeToFirstTokenMs } = done.timings;
			expect(totalMs).toBeGreaterThan(0);
			expect(timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
			expect(timeToFirstTokenMs).toBeLessThanOrEqual(totalMs);
		});

		it('throws aborted when the signal fires mid-stream, and stops there', async () => {
			const controller = new AbortController();
			const result = await collectChat(
				ctx.engine,
				ask(ctx.prompts.slow),
				controller.signal,
				(d) => {
					if (d.type === 'text') controller.abort();
				}
			);
			expectCode(result.error, 'aborted');
			// Nothing after the first text: no more of the slow reply, and no `done`.
			expect(result.deltas).toHaveLength(1);
			expect(result.deltas[0]?.type).toBe('text');
		});

		it('throws aborted without a request when the signal has already fired', async () => {
			const controller = new AbortController();
			controller.abort();
			const result = await collectChat(ctx.engine, ask(ctx.prompts.ok), controller.signal);
			expectCode(result.error, 'aborted');
			expect(result.deltas).toHaveLength(0);
		});

		it('stays usable after a consumer stops iterating early', async () => {
			for await (const delta of ctx.engine.chat(ask(ctx.prompts.slow))) {
				if (delta.type === 'text') break;
			}
			const { error, deltas } = await collectChat(ctx.engine, ask(ctx.prompts.ok));
			expect(error).toBeUndefined();
			expect(deltas.at(-1)?.type).toBe('done');
		});

		// Optional behaviours skip at run time: which ones a backend can fake is known only after setup.
		it('turns a backend failure into engine_http carrying its message', async (t) => {
			const prompt = ctx.prompts.serverError;
			if (prompt === undefined) return t.skip('the backend cannot be made to fail');
			const { error, deltas } = await collectChat(ctx.engine, ask(prompt));
			const hearth = expectCode(error, 'engine_http');
			if (ctx.serverErrorMessage) expect(hearth.message).toContain(ctx.serverErrorMessage);
			expect(deltas).toHaveLength(0);
		});

		it('yields the text that arrived, then throws engine_malformed', async (t) => {
			const prompt = ctx.prompts.malformed;
			if (prompt === undefined) return t.skip('the backend cannot send a malformed line');
			const { error, deltas } = await collectChat(ctx.engine, ask(prompt));
			expect(deltas.length).toBeGreaterThanOrEqual(1);
			expect(deltas.every((d) => d.type === 'text')).toBe(true);
			expectCode(error, 'engine_malformed');
		});

		it('throws engine_stream_broken, never done, when the connection drops', async (t) => {
			const prompt = ctx.prompts.drop;
			if (prompt === undefined) return t.skip('the backend has no connection to drop');
			const { error, deltas } = await collectChat(ctx.engine, ask(prompt));
			expect(deltas.length).toBeGreaterThanOrEqual(1);
			expect(deltas.some((d) => d.type === 'done')).toBe(false);
			expectCode(error, 'engine_stream_broken');
		});

		it('yields a native tool call whole, with an id, then done with tool_calls', async (t) => {
			const prompt = ctx.prompts.toolCall;
			if (prompt === undefined || ctx.engine.toolCalling !== 'native') {
				return t.skip('the engine calls tools through a schema, or the backend cannot');
			}
			const { deltas, error } = await collectChat(ctx.engine, {
				...ask(prompt),
				tools: [CONTRACT_TOOL]
			});
			expect(error).toBeUndefined();
			const calls = deltas.flatMap((d) => (d.type === 'tool_call' ? [d.call] : []));
			expect(calls).toHaveLength(1);
			const [call] = calls;
			expect(call?.id).toMatch(/\S/);
			expect(call?.name).toBe(CONTRACT_TOOL.name);
			expect(JSON.parse(call?.argumentsText ?? '')).toEqual(CONTRACT_TOOL_ARGS);
			const done = deltas.at(-1);
			expect(done).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
			expect(deltas.filter((d) => d.type === 'done')).toHaveLength(1);
		});

		it('takes a tool call and its result as history and answers with text', async (t) => {
			const prompt = ctx.prompts.toolCall;
			if (prompt === undefined) return t.skip('the backend cannot script tool calls');
			const call: ProposedToolCall = {
				id: 'call_contract_1',
				name: CONTRACT_TOOL.name,
				argumentsText: JSON.stringify(CONTRACT_TOOL_ARGS)
			};
			const request: ChatRequest = {
				model: ctx.model,
				messages: [
					{ role: 'user', content: prompt },
					{ role: 'assistant', content: '', toolCalls: [call] },
					{ role: 'tool', content: CONTRACT_TOOL_RESULT, toolCallId: call.id, toolName: call.name }
				],
				...(ctx.engine.toolCalling === 'native' ? { tools: [CONTRACT_TOOL] } : {})
			};
			const { deltas, text, error } = await collectChat(ctx.engine, request);
			expect(error).toBeUndefined();
			expect(text).toContain(CONTRACT_TOOL_RESULT);
			expect(deltas.some((d) => d.type === 'tool_call')).toBe(false);
			expect(deltas.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
		});

		it('constrains the reply to responseSchema', async (t) => {
			const prompt = ctx.prompts.structured;
			if (prompt === undefined) return t.skip('the backend cannot honour a schema');
			const { text, error } = await collectChat(ctx.engine, {
				...ask(prompt),
				responseSchema: CONTRACT_SCHEMA
			});
			expect(error).toBeUndefined();
			const reply: unknown = JSON.parse(text);
			expect(reply).toEqual({ city: expect.any(String), population: expect.any(Number) });
		});

		it('fails chat with model_not_found for a model the backend lacks', async (t) => {
			if (ctx.missingModel === undefined) return t.skip('no missing model given');
			const { error } = await collectChat(ctx.engine, {
				model: ctx.missingModel,
				messages: [{ role: 'user', content: ctx.prompts.ok }]
			});
			expectCode(error, 'model_not_found');
		});

		it('probe of an unreachable backend resolves ok:false instead of throwing', async () => {
			const engine = await ctx.unreachableEngine();
			try {
				const probe = await engine.probe();
				expect(probe.ok).toBe(false);
				if (probe.ok) return;
				expect(probe.error.code).toBe(ctx.unreachableCode ?? 'engine_unreachable');
				expect(probe.error.message.length).toBeGreaterThan(0);
				const { error } = await collectChat(engine, ask(ctx.prompts.ok));
				expectCode(error, ctx.unreachableCode ?? 'engine_unreachable');
			} finally {
				await engine.dispose();
			}
		});
	});
}
