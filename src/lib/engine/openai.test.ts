import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	DEFAULT_OPENAI_MODELS,
	INVALID_KEY_MESSAGE,
	SERVER_ERROR_MESSAGE,
	STREAM_ERROR_MESSAGE,
	THINK_REPLY,
	startOpenAiFixture
} from '../../../tests/fixtures/openai-fixture.js';
import type { OpenAiFixture } from '../../../tests/fixtures/openai-fixture.js';
import { collectChat } from '$lib/engine/contract';
import {
	abortAfterTexts,
	askModel,
	cannedFetch,
	describeFixtureContract,
	disposeMidChat,
	hearth,
	lastDone,
	requestWithOptions,
	unreachableUrl
} from '$lib/engine/engine-test-kit';
import { OpenAiEngine } from '$lib/engine/openai';
import { chatBody } from '$lib/engine/openai-wire';
import type { ChatDelta, ChatRequest } from '$lib/engine/types';

const CHUNK_DELAY_MS = 5;
const MODEL = DEFAULT_OPENAI_MODELS[0]?.id ?? 'qwen2.5-0.5b-instruct';
const KEY = 'sk-fixture-0123456789';

function ask(content: string, model = MODEL): ChatRequest {
	return askModel(model, content);
}

function textCount(deltas: ChatDelta[]): number {
	return deltas.filter((d) => d.type === 'text').length;
}

/** An SSE body from data payloads, each followed by a blank line. */
function sse(...data: unknown[]): string {
	return data.map((d) => `data: ${typeof d === 'string' ? d : JSON.stringify(d)}\n\n`).join('');
}

function contentChunk(content: string, finish: string | null = null): unknown {
	return { choices: [{ index: 0, delta: { content }, finish_reason: finish }] };
}

describeFixtureContract('OpenAiEngine', {
	start: () => startOpenAiFixture({ chunkDelayMs: CHUNK_DELAY_MS }),
	// The /v1 suffix is optional; the contract runs with it, the other tests without.
	engineAt: (baseUrl) => new OpenAiEngine({ baseUrl: `${baseUrl}/v1` }),
	model: MODEL,
	missingModel: 'no-such-model',
	serverErrorMessage: SERVER_ERROR_MESSAGE
});

describe('OpenAiEngine against the fixture', () => {
	let fixture: OpenAiFixture;
	let engine: OpenAiEngine;

	beforeAll(async () => {
		fixture = await startOpenAiFixture({ chunkDelayMs: CHUNK_DELAY_MS });
		engine = new OpenAiEngine({ baseUrl: fixture.url, origin: 'http://hearth.test' });
	});
	afterAll(async () => {
		await engine?.dispose();
		await fixture?.close();
	});

	it.each([
		['no suffix', ''],
		['a trailing slash', '/'],
		['/v1', '/v1'],
		['/v1/', '/v1/'],
		['/v1//', '/v1//']
	])('accepts a base URL with %s and requests /v1/models', async (_name, suffix) => {
		const own = new OpenAiEngine({ baseUrl: `${fixture.url}${suffix}` });
		expect(own.kind).toBe('openai');
		expect(own.root).toBe(fixture.url);
		expect(own.label).toBe(`OpenAI-compatible server at ${fixture.url}`);
		expect(await own.probe()).toEqual({ ok: true });
		expect(fixture.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
	});

	it('lists models with the context length the server reports', async () => {
		expect(await engine.listModels()).toEqual([
			{ id: 'qwen2.5-0.5b-instruct', name: 'qwen2.5-0.5b-instruct', contextLength: 32768 },
			{ id: 'llama-3.2-1b-instruct', name: 'llama-3.2-1b-instruct' }
		]);
		const lmStudio = new OpenAiEngine({
			baseUrl: 'http://lmstudio.test',
			fetch: cannedFetch(() =>
				Response.json({
					object: 'list',
					data: [{ id: 'a', context_length: 4096 }, { id: 'b' }, { object: 'model' }]
				})
			)
		});
		expect(await lmStudio.listModels()).toEqual([
			{ id: 'a', name: 'a', contextLength: 4096 },
			{ id: 'b', name: 'b' }
		]);
	});

	it('fails listModels with engine_malformed when the reply is not a model list', async () => {
		const odd = new OpenAiEngine({
			baseUrl: 'http://odd.test',
			fetch: cannedFetch(() => Response.json({ models: [] }))
		});
		await expect(odd.listModels()).rejects.toMatchObject({ code: 'engine_malformed' });
		const html = new OpenAiEngine({
			baseUrl: 'http://odd.test',
			fetch: cannedFetch(() => new Response('<html>hi</html>'))
		});
		await expect(html.listModels()).rejects.toMatchObject({ code: 'engine_malformed' });
	});

	it('maps generation options to OpenAI names and asks for streamed usage', async () => {
		const request = requestWithOptions(MODEL);
		const { error } = await collectChat(engine, request);
		expect(error).toBeUndefined();
		const sent = fixture.requests.at(-1);
		expect(sent).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
		expect(sent?.headers.contentType).toBe('application/json');
		expect(sent?.body).toEqual({
			model: MODEL,
			messages: request.messages,
			stream: true,
			stream_options: { include_usage: true },
			temperature: 0.2,
			top_p: 0.9,
			max_tokens: 50,
			stop: ['\n\n']
		});
		await collectChat(engine, ask('Hi'));
		expect(Object.keys(fixture.requests.at(-1)?.body as object).sort()).toEqual([
			'messages',
			'model',
			'stream',
			'stream_options'
		]);
	});

	it('reports the usage chunk, measured timings and finishReason stop', async () => {
		const prompt = 'one two three four five six seven eight nine ten';
		const { deltas, text } = await collectChat(engine, ask(prompt));
		expect(text).toBe(prompt);
		const done = lastDone(deltas);
		expect(done.finishReason).toBe('stop');
		expect(done.usage).toEqual({
			promptTokens: Math.ceil(prompt.length / 4),
			completionTokens: textCount(deltas)
		});
		const { totalMs, timeToFirstTokenMs, decodeTokensPerSecond } = done.timings;
		expect(timeToFirstTokenMs).toBeGreaterThan(0);
		expect(timeToFirstTokenMs).toBeLessThanOrEqual(totalMs);
		// 9 chunks 5 ms apart: somewhere near 200 tokens/s, certainly not 0 or absurd.
		expect(decodeTokensPerSecond).toBeGreaterThan(10);
		expect(decodeTokensPerSecond).toBeLessThan(5000);
	});

	it('counts content chunks as completion tokens when the server sends no usage', async () => {
		const { deltas, error } = await collectChat(engine, ask('Count these words [[no-usage]]'));
		expect(error).toBeUndefined();
		const done = lastDone(deltas);
		expect(textCount(deltas)).toBeGreaterThan(1);
		expect(done.usage).toEqual({ promptTokens: 0, completionTokens: textCount(deltas) });
		expect(done.timings.decodeTokensPerSecond).toBeGreaterThan(0);
	});

	it('finishes with length when the server says so or max_tokens cuts the reply', async () => {
		const long = await collectChat(engine, ask('Go on and on [[length]]'));
		expect(lastDone(long.deltas).finishReason).toBe('length');
		const capped = await collectChat(engine, {
			...ask('one two three four five six seven'),
			options: { maxTokens: 2 }
		});
		expect(capped.text).toBe('one two thre');
		expect(lastDone(capped.deltas).finishReason).toBe('length');
	});

	it('streams the think reply in small pieces, tags intact', async () => {
		const { deltas, text } = await collectChat(engine, ask('Reason first [[think]]'));
		expect(text).toBe(THINK_REPLY);
		expect(textCount(deltas)).toBeGreaterThan(5);
	});

	it('round-trips unusual text exactly', async () => {
		const content = '👩‍👩‍👧‍👦 \u200fمرحبا e\u0301 "quotes" \\ data: [DONE]\n\ndata: {"x":1}\r\n:comment';
		const { text, error } = await collectChat(engine, ask(content));
		expect(error).toBeUndefined();
		expect(text).toBe(content);
	});

	it('fails with engine_unreachable, covering a stopped server and CORS, when nothing listens', async () => {
		const root = await unreachableUrl();
		const offline = new OpenAiEngine({ baseUrl: `${root}/v1`, origin: 'http://hearth.test' });
		const e = hearth((await collectChat(offline, ask('Hi'))).error);
		expect(e.code).toBe('engine_unreachable');
		expect(e.message).toContain(root);
		expect(e.message).toContain('Is the server running');
		expect(e.message).toContain('LM Studio: enable CORS in the server settings');
		expect(e.message).toContain('llama.cpp server allows it by default');
		expect(e.message).toContain(`--allowed-origins '["http://hearth.test"]'`);
		await expect(offline.listModels()).rejects.toMatchObject({ code: 'engine_unreachable' });
		const probe = await offline.probe();
		expect(probe).toMatchObject({ ok: false, error: { code: 'engine_unreachable' } });
	});

	it('fails chat and load with model_not_found, listing what the server has', async () => {
		const e = hearth((await collectChat(engine, ask('Hi', 'gpt-4o'))).error);
		expect(e.code).toBe('model_not_found');
		expect(e.message).toContain('"gpt-4o"');
		const loadError = hearth(await engine.load('gpt-4o').catch((x: unknown) => x));
		expect(loadError.code).toBe('model_not_found');
		expect(loadError.message).toContain(
			`It has: ${DEFAULT_OPENAI_MODELS.map((m) => m.id).join(', ')}`
		);
		await expect(engine.load(MODEL)).resolves.toBeUndefined();
	});

	it('treats a 404 that does not name the model as engine_http', async () => {
		const wrongPath = new OpenAiEngine({
			baseUrl: 'http://proxy.test',
			fetch: cannedFetch(() => new Response('Not Found', { status: 404, statusText: 'Not Found' }))
		});
		const e = hearth((await collectChat(wrongPath, ask('Hi'))).error);
		expect(e.code).toBe('engine_http');
		expect(e.status).toBe(404);
	});

	it('turns HTTP 429 into engine_rate_limited with Retry-After in seconds or as a date', async () => {
		const e = hearth((await collectChat(engine, ask('Busy? [[429]]'))).error);
		expect(e.code).toBe('engine_rate_limited');
		expect(e.retryAfterSeconds).toBe(1);
		expect(e.status).toBe(429);

		const when = new Date(Date.now() + 30_000).toUTCString();
		const busy = new OpenAiEngine({
			baseUrl: 'http://busy.test',
			fetch: cannedFetch(
				() =>
					new Response('{"error":{"message":"slow down"}}', {
						status: 429,
						headers: { 'Retry-After': when }
					})
			)
		});
		const dated = hearth((await collectChat(busy, ask('Hi'))).error);
		expect(dated.retryAfterSeconds).toBeGreaterThanOrEqual(28);
		expect(dated.retryAfterSeconds).toBeLessThanOrEqual(30);
		expect(dated.message).toContain('slow down');
	});

	it('quotes error.message and keeps the status on engine_http for a 500', async () => {
		const { deltas, error } = await collectChat(engine, ask('Crash [[error]]'));
		const e = hearth(error);
		expect(e.code).toBe('engine_http');
		expect(e.status).toBe(500);
		expect(e.message).toContain('HTTP 500');
		expect(e.message).toContain(SERVER_ERROR_MESSAGE);
		expect(e.message).not.toContain('{"error"');
		expect(deltas).toHaveLength(0);
	});

	it('turns an error event mid-stream into engine_http after the text before it', async () => {
		const { deltas, error } = await collectChat(engine, ask('Run out [[stream-error]]'));
		expect(deltas.length).toBeGreaterThanOrEqual(1);
		expect(deltas.every((d) => d.type === 'text')).toBe(true);
		expect(hearth(error).code).toBe('engine_http');
		expect(hearth(error).message).toContain(STREAM_ERROR_MESSAGE);

		const named = new OpenAiEngine({
			baseUrl: 'http://named.test',
			fetch: cannedFetch(
				() => new Response(`${sse(contentChunk('Hi'))}event: error\ndata: overloaded\n\n`)
			)
		});
		const plain = await collectChat(named, ask('Hi'));
		expect(plain.text).toBe('Hi');
		expect(hearth(plain.error).code).toBe('engine_http');
		expect(hearth(plain.error).message).toContain('overloaded');
	});

	it('throws engine_stream_broken with the text so far when the connection is cut', async () => {
		const cut = await collectChat(engine, ask('Hang up [[drop]]'));
		expect(textCount(cut.deltas)).toBe(3);
		expect(cut.deltas.some((d) => d.type === 'done')).toBe(false);
		expect(hearth(cut.error).code).toBe('engine_stream_broken');

		const early = await collectChat(engine, ask('Hang up at once [[drop-before]]'));
		expect(early.deltas).toHaveLength(0);
		expect(hearth(early.error).code).toBe('engine_stream_broken');
	});

	it('treats a body that just ends, without [DONE] or finish_reason, as stream_broken', async () => {
		const truncated = new OpenAiEngine({
			baseUrl: 'http://cut.test',
			fetch: cannedFetch(() => new Response(sse(contentChunk('partial'))))
		});
		const { deltas, error } = await collectChat(truncated, ask('Hi'));
		expect(deltas).toEqual([{ type: 'text', text: 'partial' }]);
		expect(hearth(error).code).toBe('engine_stream_broken');
	});

	it('finishes on finish_reason when the server omits [DONE]', async () => {
		const terse = new OpenAiEngine({
			baseUrl: 'http://terse.test',
			fetch: cannedFetch(() => new Response(sse(contentChunk('all'), contentChunk('', 'length'))))
		});
		const { deltas, error } = await collectChat(terse, ask('Hi'));
		expect(error).toBeUndefined();
		expect(lastDone(deltas)).toMatchObject({
			finishReason: 'length',
			usage: { promptTokens: 0, completionTokens: 1 }
		});
	});

	it('keeps a whole answer whose connection broke after finish_reason, before usage', async () => {
		const encoder = new TextEncoder();
		const cutAfterFinish = new OpenAiEngine({
			baseUrl: 'http://cut.test',
			fetch: cannedFetch(() => {
				let sent = false;
				const body = new ReadableStream<Uint8Array>({
					pull(controller) {
						if (sent) return controller.error(new TypeError('terminated'));
						sent = true;
						controller.enqueue(
							encoder.encode(sse(contentChunk('Done.'), contentChunk('', 'stop')))
						);
					}
				});
				return new Response(body);
			})
		});
		const { deltas, error } = await collectChat(cutAfterFinish, ask('Hi'));
		expect(error).toBeUndefined();
		expect(lastDone(deltas)).toMatchObject({
			finishReason: 'stop',
			usage: { completionTokens: 1 }
		});
	});

	it("uses llama.cpp's own timings when its last chunk carries them", async () => {
		const llamaCpp = new OpenAiEngine({
			baseUrl: 'http://llama.test',
			fetch: cannedFetch(
				() =>
					new Response(
						sse(
							contentChunk('Hello'),
							{
								...(contentChunk('', 'stop') as object),
								usage: { prompt_tokens: 7, completion_tokens: 1 },
								timings: { prompt_ms: 12.5, predicted_per_second: 42.5 }
							},
							'[DONE]'
						)
					)
			)
		});
		const done = lastDone((await collectChat(llamaCpp, ask('Hi'))).deltas);
		expect(done.usage).toEqual({ promptTokens: 7, completionTokens: 1 });
		expect(done.timings.promptMs).toBe(12.5);
		expect(done.timings.decodeTokensPerSecond).toBe(42.5);
	});

	it('treats a JSON event that is not an object as engine_malformed', async () => {
		const odd = new OpenAiEngine({
			baseUrl: 'http://odd.test',
			fetch: cannedFetch(() => new Response(sse('[1,2]')))
		});
		expect(hearth((await collectChat(odd, ask('Hi'))).error).code).toBe('engine_malformed');
	});

	it('stops at an abort (no text after it) and the server sees the connection close', async () => {
		const before = fixture.disconnects.length;
		const run = await abortAfterTexts(engine, ask('Long please [[slow]]'), 2);
		expect(hearth(run.error).code).toBe('aborted');
		expect(run.texts).toBe(2);
		// Recorded only for a reply abandoned part-way (the whole one takes ~24 s).
		await expect.poll(() => fixture.disconnects.length).toBe(before + 1);
		expect(fixture.disconnects.at(-1)?.path).toBe('/v1/chat/completions');
	});

	it('dispose() aborts a chat in flight', async () => {
		const own = new OpenAiEngine({ baseUrl: fixture.url });
		const error = await disposeMidChat(own, ask('Long please [[slow]]'));
		expect(hearth(error).code).toBe('aborted');
	});
});

describe('OpenAiEngine with an API key', () => {
	let fixture: OpenAiFixture;

	beforeAll(async () => {
		fixture = await startOpenAiFixture({ apiKey: KEY, chunkDelayMs: CHUNK_DELAY_MS });
	});
	afterAll(async () => {
		await fixture?.close();
	});

	it('sends the key only as a Bearer Authorization header', async () => {
		const keyed = new OpenAiEngine({ baseUrl: fixture.url, apiKey: ` ${KEY} ` });
		const before = fixture.requests.length;
		expect(await keyed.probe()).toEqual({ ok: true });
		const { error } = await collectChat(keyed, ask('Hi'));
		expect(error).toBeUndefined();
		const sent = fixture.requests.slice(before);
		expect(sent.map((r) => r.path)).toEqual(['/v1/models', '/v1/chat/completions']);
		for (const request of sent) {
			expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
			expect(JSON.stringify(request.body ?? null)).not.toContain(KEY);
			expect(request.path).not.toContain(KEY);
		}
	});

	it('fails with engine_auth, pointing at Settings, without a key', async () => {
		const keyless = new OpenAiEngine({ baseUrl: fixture.url, apiKey: '' });
		const e = hearth((await collectChat(keyless, ask('Hi'))).error);
		expect(e.code).toBe('engine_auth');
		expect(e.status).toBe(401);
		expect(e.message).toContain(INVALID_KEY_MESSAGE);
		expect(e.message).toContain('enter it in Settings');
		expect(fixture.requests.at(-1)?.headers.authorization).toBeUndefined();
		const probe = await keyless.probe();
		expect(probe).toMatchObject({ ok: false, error: { code: 'engine_auth' } });
	});

	it('fails with engine_auth for a wrong key, never quoting it', async () => {
		const wrong = 'sk-wrong-key-987';
		const e = hearth(
			(await collectChat(new OpenAiEngine({ baseUrl: fixture.url, apiKey: wrong }), ask('Hi')))
				.error
		);
		expect(e.code).toBe('engine_auth');
		expect(e.message).toContain('Check the API key in Settings');
		expect(e.message).not.toContain(wrong);

		// Some servers echo the refused key back; the message blanks it out.
		const echoing = new OpenAiEngine({
			baseUrl: 'http://echo.test',
			apiKey: wrong,
			fetch: cannedFetch(
				() =>
					new Response(
						JSON.stringify({ error: { message: `Incorrect API key provided: ${wrong}.` } }),
						{ status: 401 }
					)
			)
		});
		const echoed = hearth((await collectChat(echoing, ask('Hi'))).error);
		expect(echoed.message).toContain('Incorrect API key provided: [API key].');
		expect(echoed.message).not.toContain(wrong);
	});
});

describe('OpenAiEngine with images', () => {
	const PNG =
		'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
	let fixture: OpenAiFixture;
	let engine: OpenAiEngine;

	beforeAll(async () => {
		fixture = await startOpenAiFixture({ chunkDelayMs: 1 });
		engine = new OpenAiEngine({ baseUrl: fixture.url });
	});
	afterAll(async () => {
		await engine?.dispose();
		await fixture?.close();
	});

	it('sends a text part then data: URL image parts, and the images reach the server', async () => {
		const { text, error } = await collectChat(engine, {
			model: MODEL,
			messages: [
				{ role: 'user', content: 'Earlier' },
				{ role: 'assistant', content: 'Yes?' },
				{
					role: 'user',
					content: 'Read this [[images]]',
					images: [{ mime: 'image/png', base64: PNG }]
				}
			]
		});
		expect(error).toBeUndefined();
		expect(text).toBe(`Images received: 1 (image/png ${Buffer.from(PNG, 'base64').length} bytes)`);
		const body = fixture.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)
			?.body as Record<string, unknown>;
		expect(body.messages).toEqual([
			{ role: 'user', content: 'Earlier' },
			{ role: 'assistant', content: 'Yes?' },
			{
				role: 'user',
				content: [
					{ type: 'text', text: 'Read this [[images]]' },
					{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }
				]
			}
		]);
	});

	it('sends messages without images exactly as before', () => {
		const body = chatBody({
			model: 'm',
			messages: [
				{ role: 'user', content: 'a' },
				{ role: 'user', content: 'b', images: [] }
			]
		});
		expect(body.messages).toEqual([
			{ role: 'user', content: 'a' },
			{ role: 'user', content: 'b' }
		]);
	});
});
