import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_FILLER } from '../../../tests/fixtures/fixture-replies.js';
import { DEFAULT_MODELS, startOllamaFixture } from '../../../tests/fixtures/ollama-fixture.js';
import {
	DEFAULT_OPENAI_MODELS,
	SERVER_ERROR_MESSAGE,
	startOpenAiFixture
} from '../../../tests/fixtures/openai-fixture.js';
import { collectChat } from '$lib/engine/contract';
import { describeFixtureContract, hearth, unreachableUrl } from '$lib/engine/engine-test-kit';
import { OllamaEngine } from '$lib/engine/ollama';
import { OpenAiEngine } from '$lib/engine/openai';
import { RetryingEngine, isTransient, retryDelayMs, withRetry } from '$lib/engine/retry';
import type { RetryInfo, RetryPolicy } from '$lib/engine/retry';
import type { ChatRequest, LlmEngine } from '$lib/engine/types';
import { HearthError } from '$lib/types/errors';
import type { ErrorCode } from '$lib/types/errors';

const CHUNK_DELAY_MS = 5;
const OLLAMA_MODEL = DEFAULT_MODELS[0]?.name ?? 'llama3.2:1b';
const OPENAI_MODEL = DEFAULT_OPENAI_MODELS[0]?.id ?? 'qwen2.5-0.5b-instruct';

describe('isTransient', () => {
	it.each<[ErrorCode, number | undefined, boolean]>([
		['engine_unreachable', undefined, true],
		['engine_rate_limited', 429, true],
		['engine_stream_broken', undefined, true],
		['engine_http', 500, true],
		['engine_http', 503, true],
		['engine_http', 404, false],
		['engine_http', undefined, false],
		['engine_auth', 401, false],
		['model_not_found', 404, false],
		['engine_malformed', undefined, false],
		['aborted', undefined, false],
		['unknown', undefined, false]
	])('%s (HTTP %s) → %s', (code, status, expected) => {
		expect(isTransient(new HearthError(code, 'x', { status }))).toBe(expected);
	});
});

describe('retryDelayMs', () => {
	const policy = { baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterSeconds: 30 };
	const busy = new HearthError('engine_http', 'x', { status: 503 });

	it('doubles from the base, half of it jittered, up to the cap', () => {
		const low = { ...policy, random: () => 0 };
		const high = { ...policy, random: () => 0.999999 };
		expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, busy, low))).toEqual([
			250, 500, 1000, 2000, 4000, 4000
		]);
		expect([1, 2, 3, 6].map((n) => retryDelayMs(n, busy, high))).toEqual([500, 1000, 2000, 8000]);
	});

	it('waits at least what Retry-After asks, and not at all beyond the cap', () => {
		const random = () => 0.5;
		const asks = (s: number) =>
			new HearthError('engine_rate_limited', 'x', { status: 429, retryAfterSeconds: s });
		expect(retryDelayMs(1, asks(2), { ...policy, random })).toBe(2000);
		expect(retryDelayMs(1, asks(0), { ...policy, random })).toBe(375);
		expect(retryDelayMs(1, asks(30), { ...policy, random })).toBe(30_000);
		expect(retryDelayMs(1, asks(31), { ...policy, random })).toBeUndefined();
	});
});

/** One fixture server behind its engine, so each scenario runs against both protocols. */
interface Backend {
	name: string;
	/** Seconds the fixture's `[[429]]` asks for. */
	retryAfterSeconds: number;
	start: () => Promise<{
		make: (policy?: Partial<RetryPolicy>, baseUrl?: string) => LlmEngine;
		/** How many chat requests carried this exact prompt. */
		chatRequests: (prompt: string) => number;
		close: () => Promise<void>;
	}>;
}

function lastUserContent(body: unknown): unknown {
	const messages = (body as { messages?: Array<{ content?: unknown }> } | undefined)?.messages;
	return messages?.at(-1)?.content;
}

const BACKENDS: Backend[] = [
	{
		name: 'OpenAI-compatible',
		retryAfterSeconds: 1,
		async start() {
			const fixture = await startOpenAiFixture({ chunkDelayMs: CHUNK_DELAY_MS });
			return {
				make: (policy, baseUrl = fixture.url) => withRetry(new OpenAiEngine({ baseUrl }), policy),
				chatRequests: (prompt) =>
					fixture.requests.filter(
						(r) => r.path === '/v1/chat/completions' && lastUserContent(r.body) === prompt
					).length,
				close: () => fixture.close()
			};
		}
	},
	{
		name: 'Ollama',
		retryAfterSeconds: 2,
		async start() {
			const fixture = await startOllamaFixture({ chunkDelayMs: CHUNK_DELAY_MS });
			return {
				make: (policy, baseUrl = fixture.url) => withRetry(new OllamaEngine({ baseUrl }), policy),
				chatRequests: (prompt) =>
					fixture.requests.filter(
						(r) => r.path === '/api/chat' && lastUserContent(r.body) === prompt
					).length,
				close: () => fixture.close()
			};
		}
	}
];

const MODELS: Record<string, string> = {
	'OpenAI-compatible': OPENAI_MODEL,
	Ollama: OLLAMA_MODEL
};

describe.each(BACKENDS)('withRetry over the $name fixture', (backend) => {
	let server: Awaited<ReturnType<Backend['start']>>;
	const ask = (content: string): ChatRequest => ({
		model: MODELS[backend.name] ?? '',
		messages: [{ role: 'user', content }]
	});
	/** An engine whose sleeps are recorded and instant, and whose retries are recorded. */
	const recorded = (policy?: Partial<RetryPolicy>, baseUrl?: string) => {
		const sleeps: number[] = [];
		const retries: RetryInfo[] = [];
		const engine = server.make(
			{
				sleep: async (ms) => void sleeps.push(ms),
				random: () => 0,
				onRetry: (info) => retries.push(info),
				...policy
			},
			baseUrl
		);
		return { engine, sleeps, retries };
	};

	beforeAll(async () => {
		server = await backend.start();
	});
	afterAll(async () => {
		await server?.close();
	});

	it('gets one clean answer after two 503s, retrying twice', async () => {
		const prompt = 'Try, try again [[flaky:2]]';
		const { engine, sleeps, retries } = recorded();
		const { text, deltas, error } = await collectChat(engine, ask(prompt));
		expect(error).toBeUndefined();
		expect(text).toBe(prompt);
		expect(deltas.filter((d) => d.type === 'done')).toHaveLength(1);
		expect(server.chatRequests(prompt)).toBe(3);
		expect(retries.map((r) => [r.attempt, r.error.code, r.error.status])).toEqual([
			[1, 'engine_http', 503],
			[2, 'engine_http', 503]
		]);
		expect(sleeps).toEqual([250, 500]);
		expect(retries.map((r) => r.delayMs)).toEqual(sleeps);
	});

	it('waits what Retry-After asks on a 429, then reports the 429', async () => {
		const prompt = 'Busy? [[429]]';
		const { engine, sleeps, retries } = recorded();
		const e = hearth((await collectChat(engine, ask(prompt))).error);
		expect(e.code).toBe('engine_rate_limited');
		expect(e.retryAfterSeconds).toBe(backend.retryAfterSeconds);
		expect(retries).toHaveLength(2);
		expect(sleeps).toEqual([backend.retryAfterSeconds * 1000, backend.retryAfterSeconds * 1000]);
		expect(server.chatRequests(prompt)).toBe(3);
	});

	it('does not wait out a Retry-After beyond the cap: the 429 goes straight back', async () => {
		const prompt = 'Very busy? [[429]]';
		const { engine, sleeps } = recorded({ maxRetryAfterSeconds: backend.retryAfterSeconds / 2 });
		const e = hearth((await collectChat(engine, ask(prompt))).error);
		expect(e.code).toBe('engine_rate_limited');
		expect(sleeps).toEqual([]);
		expect(server.chatRequests(prompt)).toBe(1);
	});

	it('never retries a stream cut after text: no duplicated text, engine_stream_broken', async () => {
		const prompt = 'Hang up midway [[drop]]';
		const { engine, sleeps } = recorded();
		const { text, deltas, error } = await collectChat(engine, ask(prompt));
		expect(hearth(error).code).toBe('engine_stream_broken');
		expect(text.length).toBeGreaterThan(0);
		expect(FAULT_FILLER.startsWith(text)).toBe(true);
		expect(deltas.some((d) => d.type === 'done')).toBe(false);
		expect(sleeps).toEqual([]);
		expect(server.chatRequests(prompt)).toBe(1);
	});

	it('retries a connection dropped before any text', async () => {
		const prompt = 'Hang up at once [[drop-before]]';
		const { engine, retries } = recorded();
		const { deltas, error } = await collectChat(engine, ask(prompt));
		expect(hearth(error).code).toBe('engine_stream_broken');
		expect(deltas).toHaveLength(0);
		expect(retries.map((r) => r.error.code)).toEqual([
			'engine_stream_broken',
			'engine_stream_broken'
		]);
		expect(server.chatRequests(prompt)).toBe(3);
	});

	it('retries a 500 (a 5xx) and then reports it with the server message', async () => {
		const prompt = 'Crash [[error]]';
		const { engine, retries } = recorded({ attempts: 2 });
		const e = hearth((await collectChat(engine, ask(prompt))).error);
		expect(e.code).toBe('engine_http');
		expect(e.message).toContain(SERVER_ERROR_MESSAGE);
		expect(retries).toHaveLength(1);
		expect(server.chatRequests(prompt)).toBe(2);
	});

	it('retries a refused connection, then reports engine_unreachable', async () => {
		const { engine, retries } = recorded({}, await unreachableUrl());
		const e = hearth((await collectChat(engine, ask('Anyone there?'))).error);
		expect(e.code).toBe('engine_unreachable');
		expect(retries.map((r) => r.error.code)).toEqual(['engine_unreachable', 'engine_unreachable']);
	});

	it('never retries a 401', async () => {
		const prompt = 'Let me in [[401]]';
		const { engine, sleeps } = recorded();
		const e = hearth((await collectChat(engine, ask(prompt))).error);
		expect(e.code).toBe('engine_auth');
		expect(sleeps).toEqual([]);
		expect(server.chatRequests(prompt)).toBe(1);
	});

	it('never retries a missing model', async () => {
		const { engine, sleeps } = recorded();
		const e = hearth((await collectChat(engine, { ...ask('Hi'), model: 'no-such-model' })).error);
		expect(e.code).toBe('model_not_found');
		expect(sleeps).toEqual([]);
	});

	it('stops at once when aborted during the backoff', async () => {
		const prompt = 'Busy, then stopped [[flaky:5]]';
		const controller = new AbortController();
		// The real sleep, and a backoff far longer than the test may take.
		const engine = server.make({
			baseDelayMs: 20_000,
			random: () => 0,
			onRetry: () => setTimeout(() => controller.abort(), 30)
		});
		const { error, deltas } = await collectChat(engine, ask(prompt), controller.signal);
		expect(hearth(error).code).toBe('aborted');
		expect(deltas).toHaveLength(0);
		expect(server.chatRequests(prompt)).toBe(1);
	});

	it('stops at once even when an injected sleep ignores the signal', async () => {
		const controller = new AbortController();
		const engine = server.make({
			sleep: () => new Promise<void>(() => undefined),
			onRetry: () => controller.abort()
		});
		const { error } = await collectChat(engine, ask('Busy forever [[flaky:5]]'), controller.signal);
		expect(hearth(error).code).toBe('aborted');
	});
});

describe('RetryingEngine delegation', () => {
	it('passes kind, label, probe, listModels, load and dispose through', async () => {
		const fixture = await startOpenAiFixture();
		try {
			const inner = new OpenAiEngine({ baseUrl: fixture.url });
			const engine = withRetry(inner);
			expect(engine).toBeInstanceOf(RetryingEngine);
			expect(engine.kind).toBe('openai');
			expect(engine.label).toBe(inner.label);
			expect(await engine.probe()).toEqual({ ok: true });
			expect((await engine.listModels()).map((m) => m.id)).toEqual(
				DEFAULT_OPENAI_MODELS.map((m) => m.id)
			);
			await expect(engine.load('nope')).rejects.toMatchObject({ code: 'model_not_found' });
			// Neither server engine has a tokenizer, so the wrapper must not pretend to.
			expect(engine.countTokens).toBeUndefined();
			await expect(engine.dispose()).resolves.toBeUndefined();
		} finally {
			await fixture.close();
		}
	});
});

const FAST: Partial<RetryPolicy> = { baseDelayMs: 1, maxDelayMs: 5 };

describeFixtureContract('withRetry(OllamaEngine)', {
	start: () => startOllamaFixture({ chunkDelayMs: CHUNK_DELAY_MS }),
	engineAt: (baseUrl) => withRetry(new OllamaEngine({ baseUrl }), FAST),
	model: OLLAMA_MODEL,
	missingModel: 'no-such-model:7b'
});

describeFixtureContract('withRetry(OpenAiEngine)', {
	start: () => startOpenAiFixture({ chunkDelayMs: CHUNK_DELAY_MS }),
	engineAt: (baseUrl) => withRetry(new OpenAiEngine({ baseUrl }), FAST),
	model: OPENAI_MODEL,
	missingModel: 'no-such-model'
});
