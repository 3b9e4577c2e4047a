import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	CONTINUATION_REPLY,
	DEFAULT_MODELS,
	FIXTURE_VERSION,
	MARKDOWN_REPLY,
	SERVER_ERROR_MESSAGE,
	STREAM_ERROR_MESSAGE,
	VISION_MODEL,
	startOllamaFixture
} from '../../../tests/fixtures/ollama-fixture.js';
import type { OllamaFixture } from '../../../tests/fixtures/ollama-fixture.js';
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
import { OllamaEngine } from '$lib/engine/ollama';
import { chatBody } from '$lib/engine/ollama-wire';
import type { ChatRequest, LoadProgress } from '$lib/engine/types';

const CHUNK_DELAY_MS = 5;
const MODEL = DEFAULT_MODELS[0]?.name ?? 'llama3.2:1b';

function ask(content: string, model = MODEL): ChatRequest {
	return askModel(model, content);
}

/** The body of the most recent /api/chat request the fixture received. */
function lastChatBody(fixture: OllamaFixture): Record<string, unknown> {
	const request = fixture.requests.filter((r) => r.path === '/api/chat').at(-1);
	expect(request).toBeDefined();
	return request?.body as Record<string, unknown>;
}

describeFixtureContract('OllamaEngine', {
	start: () => startOllamaFixture({ chunkDelayMs: CHUNK_DELAY_MS }),
	engineAt: (baseUrl) => new OllamaEngine({ baseUrl }),
	model: MODEL,
	missingModel: 'no-such-model:7b',
	serverErrorMessage: SERVER_ERROR_MESSAGE
});

describe('OllamaEngine against the fixture', () => {
	let fixture: OllamaFixture;
	let engine: OllamaEngine;

	beforeAll(async () => {
		fixture = await startOllamaFixture({ chunkDelayMs: CHUNK_DELAY_MS });
		engine = new OllamaEngine({
			baseUrl: `${fixture.url}//`,
			caller: { page: 'http://hearth.test' }
		});
	});
	afterAll(async () => {
		await engine?.dispose();
		await fixture?.close();
	});

	it('strips trailing slashes from the base URL', async () => {
		expect(engine.kind).toBe('ollama');
		expect(engine.label).toBe(`Ollama at ${fixture.url}`);
		const probe = await engine.probe();
		expect(probe).toEqual({ ok: true, version: FIXTURE_VERSION });
		expect(fixture.requests.at(-1)).toEqual({
			method: 'GET',
			path: '/api/version',
			body: undefined
		});
	});

	it('lists models with size, family, parameter size and quantization', async () => {
		const models = await engine.listModels();
		expect(models).toEqual(
			DEFAULT_MODELS.map((m) => ({
				id: m.name,
				name: m.name,
				sizeBytes: m.size,
				family: m.family,
				parameterSize: m.parameterSize,
				quantization: m.quantization
			}))
		);
	});

	it('maps generation options to Ollama names and sends messages as given', async () => {
		const request = requestWithOptions(MODEL);
		const { error } = await collectChat(engine, request);
		expect(error).toBeUndefined();
		expect(lastChatBody(fixture)).toEqual({
			model: MODEL,
			messages: request.messages,
			stream: true,
			options: { temperature: 0.2, top_p: 0.9, num_predict: 50, stop: ['\n\n'] }
		});
	});

	it('omits options that are not set', async () => {
		await collectChat(engine, ask('Hi'));
		expect(lastChatBody(fixture)).not.toHaveProperty('options');
		await collectChat(engine, { ...ask('Hi'), options: { temperature: 0 } });
		expect(lastChatBody(fixture).options).toEqual({ temperature: 0 });
	});

	it('reports usage, timings and finishReason length from the final line', async () => {
		const prompt = 'one two three four five six seven eight nine ten';
		const { deltas, text } = await collectChat(engine, {
			...ask(prompt),
			options: { maxTokens: 2 }
		});
		expect(text).toBe(prompt.slice(0, 12));
		const done = lastDone(deltas);
		expect(done.finishReason).toBe('length');
		expect(done.usage).toEqual({ promptTokens: Math.ceil(prompt.length / 4), completionTokens: 2 });
		expect(done.timings.promptMs).toBe(12);
		// The fixture reports eval_duration = chunks × delay, so the rate is 1000 / delay tokens/s.
		expect(done.timings.decodeTokensPerSecond).toBeCloseTo(1000 / CHUNK_DELAY_MS);
		expect(done.timings.timeToFirstTokenMs).toBeLessThanOrEqual(done.timings.totalMs);
	});

	it('finishes with stop when the reply reaches a stop sequence', async () => {
		const { deltas, text } = await collectChat(engine, {
			...ask('first part. STOP second part'),
			options: { stop: ['STOP'] }
		});
		expect(text).toBe('first part. ');
		expect(lastDone(deltas).finishReason).toBe('stop');
	});

	it('passes a trailing assistant message through so Ollama continues it', async () => {
		const request: ChatRequest = {
			model: MODEL,
			messages: [
				{ role: 'user', content: 'Explain it' },
				{ role: 'assistant', content: 'Here is the first half' }
			]
		};
		const { text, error } = await collectChat(engine, request);
		expect(error).toBeUndefined();
		expect(text).toBe(CONTINUATION_REPLY);
		expect(lastChatBody(fixture).messages).toEqual(request.messages);
	});

	it.each([
		['ZWJ emoji and modifiers', '👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, 🧑🏿‍🚀'],
		['right-to-left text', '\u200fمرحبا بالعالم — שלום עולם\u200e (mixed) ١٢٣'],
		['combining marks', 'e\u0301 n\u0303 Z\u0351\u0364\u0336a\u0335lgo नमस्ते 한국어'],
		['control characters', '\u0000 nul \u0001 \u001f \u007f end'],
		['line breaks and separators', 'line1\nline2\r\nline3\ttab \u2028 \u2029 \u0085'],
		['JSON look-alikes', '"quotes" \\ backslash {"done": true}\n{"error":"not really"}'],
		['astral and BOM', '\ufeff𝕳𝖊𝖆𝖗𝖙𝖍 𝄞 \u{10FFFD}'],
		['null-ish words', 'null undefined NaN [object Object]']
	])('round-trips %s exactly', async (_label, content) => {
		const { text, error } = await collectChat(engine, ask(content));
		expect(error).toBeUndefined();
		expect(text).toBe(content);
		expect(Array.from(text)).toEqual(Array.from(content));
	});

	it('streams the markdown directive reply unchanged', async () => {
		const { text } = await collectChat(engine, ask('Show me [[markdown]]'));
		expect(text).toBe(MARKDOWN_REPLY);
		expect(text).toContain('```python');
		expect(text).toContain('![chart](https://example.com/chart.png)');
	});

	it('fails with engine_unreachable, naming both fixes, when nothing listens', async () => {
		const baseUrl = await unreachableUrl();
		const offline = new OllamaEngine({ baseUrl, caller: { page: 'http://hearth.test' } });
		const { error } = await collectChat(offline, ask('Hi'));
		const e = hearth(error);
		expect(e.code).toBe('engine_unreachable');
		expect(e.message).toContain(baseUrl);
		expect(e.message).toContain('ollama serve');
		expect(e.message).toContain('OLLAMA_ORIGINS=http://hearth.test ollama serve');
		await expect(offline.listModels()).rejects.toMatchObject({ code: 'engine_unreachable' });
		const probe = await offline.probe();
		expect(probe.ok).toBe(false);
		if (!probe.ok) expect(probe.error.message).toBe(e.message);
	});

	it('from a process (terminal, API) names the address, the reason and how to change it, not origins', async () => {
		const baseUrl = await unreachableUrl();
		const offline = new OllamaEngine({
			baseUrl,
			caller: { process: { setting: 'OLLAMA_HOST=host:port' } }
		});
		const { error } = await collectChat(offline, ask('Hi'));
		const e = hearth(error);
		expect(e.code).toBe('engine_unreachable');
		expect(e.message).toBe(
			`Hearth can't reach Ollama at ${baseUrl} (nothing is listening there). Is Ollama running? ` +
				'Start it with: ollama serve (or open the Ollama app). If it runs at another address, ' +
				'point Hearth at it: OLLAMA_HOST=host:port.'
		);
		expect(e.message).not.toContain('ORIGINS');
	});

	it('suggests OLLAMA_ORIGINS=* when it cannot know the page origin', async () => {
		const offline = new OllamaEngine({ baseUrl: await unreachableUrl() });
		const { error } = await collectChat(offline, ask('Hi'));
		expect(hearth(error).message).toContain('OLLAMA_ORIGINS=* ollama serve');
	});

	it('fails chat and load with model_not_found and the pull command', async () => {
		const { error } = await collectChat(engine, ask('Hi', 'mistral:7b'));
		const e = hearth(error);
		expect(e.code).toBe('model_not_found');
		expect(e.message).toContain('ollama pull mistral:7b');

		const loadError = await engine.load('mistral:7b').catch((x: unknown) => x);
		expect(hearth(loadError).code).toBe('model_not_found');
		expect(hearth(loadError).message).toContain('ollama pull mistral:7b');
		expect(hearth(loadError).message).toContain(
			`Installed: ${DEFAULT_MODELS.map((m) => m.name).join(', ')}`
		);
	});

	it('load() reports progress and finishes at fraction 1 for an installed model', async () => {
		const progress: LoadProgress[] = [];
		await engine.load(MODEL, (p) => progress.push(p));
		const tagless = new OllamaEngine({ baseUrl: fixture.url });
		const latest = await startOllamaFixture({ models: [{ name: 'phi3:latest' }] });
		try {
			await expect(new OllamaEngine({ baseUrl: latest.url }).load('phi3')).resolves.toBeUndefined();
			await expect(tagless.load('phi3')).rejects.toMatchObject({ code: 'model_not_found' });
		} finally {
			await latest.close();
		}
		expect(progress.length).toBeGreaterThanOrEqual(2);
		expect(progress.at(-1)?.fraction).toBe(1);
		expect(progress.at(-1)?.text).toContain(MODEL);
	});

	it('turns HTTP 429 into engine_rate_limited with Retry-After seconds', async () => {
		const { error } = await collectChat(engine, ask('Busy? [[429]]'));
		const e = hearth(error);
		expect(e.code).toBe('engine_rate_limited');
		expect(e.retryAfterSeconds).toBe(2);
	});

	it('reads a Retry-After date too', async () => {
		const when = new Date(Date.now() + 30_000).toUTCString();
		const busy = new OllamaEngine({
			baseUrl: 'http://ollama.test',
			fetch: cannedFetch(
				() => new Response('{"error":"busy"}', { status: 429, headers: { 'Retry-After': when } })
			)
		});
		const { error } = await collectChat(busy, ask('Hi'));
		expect(hearth(error).retryAfterSeconds).toBeGreaterThanOrEqual(28);
		expect(hearth(error).retryAfterSeconds).toBeLessThanOrEqual(30);
	});

	it('carries the status and the server message on engine_http', async () => {
		const { error } = await collectChat(engine, ask('Crash [[error]]'));
		expect(hearth(error).message).toContain('HTTP 500');
		expect(hearth(error).message).toContain(SERVER_ERROR_MESSAGE);

		const wrongPath = new OllamaEngine({ baseUrl: `${fixture.url}/nothing` });
		const probe = await wrongPath.probe();
		expect(probe).toMatchObject({ ok: false, error: { code: 'engine_http' } });
		if (!probe.ok) expect(probe.error.message).toContain('404 page not found');
	});

	it('turns an error line mid-stream into engine_http after the text before it', async () => {
		const { deltas, error } = await collectChat(engine, ask('Run out [[stream-error]]'));
		expect(deltas.length).toBeGreaterThanOrEqual(1);
		expect(deltas.every((d) => d.type === 'text')).toBe(true);
		expect(hearth(error).code).toBe('engine_http');
		expect(hearth(error).message).toContain(STREAM_ERROR_MESSAGE);
	});

	it('maps 401 and a refused origin (403) to engine_auth', async () => {
		const unauthorised = new OllamaEngine({
			baseUrl: 'http://ollama.test',
			fetch: cannedFetch(() => new Response('Unauthorized', { status: 401 }))
		});
		expect(hearth((await collectChat(unauthorised, ask('Hi'))).error).code).toBe('engine_auth');

		// Node's fetch lets a test send the Origin header a browser would add by itself.
		const foreign = new OllamaEngine({
			baseUrl: fixture.url,
			caller: { page: 'http://foreign.test' },
			fetch: (input, init) =>
				fetch(input, { ...init, headers: { ...init?.headers, Origin: 'http://foreign.test' } })
		});
		fixture.setAllowedOrigins(['http://hearth.test']);
		try {
			const { error } = await collectChat(foreign, ask('Hi'));
			expect(hearth(error).code).toBe('engine_auth');
			expect(hearth(error).message).toContain('OLLAMA_ORIGINS=http://foreign.test ollama serve');
			expect(fixture.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/chat' });
		} finally {
			fixture.setAllowedOrigins(['*']);
		}
	});

	it('keeps the HTTP status on errors, so a retry can tell a 503 from a 401', async () => {
		const busy = hearth((await collectChat(engine, ask('Busy now [[flaky:1]]'))).error);
		expect(busy.code).toBe('engine_http');
		expect(busy.status).toBe(503);
		expect((await collectChat(engine, ask('Busy now [[flaky:1]]'))).error).toBeUndefined();
		const denied = hearth((await collectChat(engine, ask('Proxy says no [[401]]'))).error);
		expect(denied.code).toBe('engine_auth');
		expect(denied.status).toBe(401);
	});

	it('treats a connection dropped before any line as engine_stream_broken', async () => {
		const { deltas, error } = await collectChat(engine, ask('Hang up at once [[drop-before]]'));
		expect(deltas).toHaveLength(0);
		expect(hearth(error).code).toBe('engine_stream_broken');
	});

	it('treats a body that ends without done as engine_stream_broken', async () => {
		const line = JSON.stringify({
			message: { role: 'assistant', content: 'partial' },
			done: false
		});
		const truncated = new OllamaEngine({
			baseUrl: 'http://ollama.test',
			fetch: cannedFetch(() => new Response(`${line}\n`, { status: 200 }))
		});
		const { deltas, error } = await collectChat(truncated, ask('Hi'));
		expect(deltas).toEqual([{ type: 'text', text: 'partial' }]);
		expect(hearth(error).code).toBe('engine_stream_broken');
		expect(hearth(error).message).toBe('The connection to Ollama dropped mid-answer.');
	});

	it('treats a JSON line that is not an object as engine_malformed', async () => {
		const odd = new OllamaEngine({
			baseUrl: 'http://ollama.test',
			fetch: cannedFetch(() => new Response('[1,2]\n', { status: 200 }))
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
		expect(fixture.disconnects.at(-1)?.path).toBe('/api/chat');
	});

	it('closes the connection when the consumer breaks out of the loop', async () => {
		const before = fixture.disconnects.length;
		for await (const delta of engine.chat(ask('Long please [[slow]]'))) {
			if (delta.type === 'text') break;
		}
		await expect.poll(() => fixture.disconnects.length).toBe(before + 1);
	});

	it('dispose() aborts a chat in flight', async () => {
		const own = new OllamaEngine({ baseUrl: fixture.url });
		const error = await disposeMidChat(own, ask('Long please [[slow]]'));
		expect(hearth(error).code).toBe('aborted');
	});
});

describe('OllamaEngine with images', () => {
	// 1×1 PNG and the first bytes of a JPEG: the fixture names each by its bytes.
	const PNG =
		'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
	const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]).toString('base64');
	let fixture: OllamaFixture;
	let engine: OllamaEngine;

	beforeAll(async () => {
		fixture = await startOllamaFixture({
			chunkDelayMs: 1,
			models: [...DEFAULT_MODELS, VISION_MODEL]
		});
		engine = new OllamaEngine({ baseUrl: fixture.url });
	});
	afterAll(async () => {
		await engine?.dispose();
		await fixture?.close();
	});

	it('sends a turn’s images as bare base64 beside its text, and they reach the model', async () => {
		const request: ChatRequest = {
			model: VISION_MODEL.name,
			messages: [
				{ role: 'system', content: 'Be brief.' },
				{
					role: 'user',
					content: 'What is this? [[images]]',
					images: [
						{ mime: 'image/png', base64: PNG },
						{ mime: 'image/jpeg', base64: JPEG }
					]
				}
			]
		};
		const { text, error } = await collectChat(engine, request);
		expect(error).toBeUndefined();
		expect(text).toBe(
			`Images received: 2 (image/png ${Buffer.from(PNG, 'base64').length} bytes, image/jpeg 6 bytes)`
		);
		expect(lastChatBody(fixture).messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'What is this? [[images]]', images: [PNG, JPEG] }
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

	it('lists the vision capability in /api/show for the vision model only', async () => {
		const show = async (model: string) =>
			(
				(await (
					await fetch(`${fixture.url}/api/show`, {
						method: 'POST',
						body: JSON.stringify({ model })
					})
				).json()) as { capabilities: string[] }
			).capabilities;
		expect(await show(VISION_MODEL.name)).toContain('vision');
		expect(await show(MODEL)).toEqual(['completion']);
	});
});
