import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOllamaFixture, THINK_REPLY } from '../../../tests/fixtures/ollama-fixture.js';
import { ChatState } from '$lib/state/chat.svelte';
import { createRegistry } from '$lib/tools/registry';
import { createEngineFactory } from '$lib/engine/factory';
import { EngineState } from '$lib/state/engine.svelte';
import { ChatRepository } from '$lib/storage/chat-repo';
import type { HearthDb } from '$lib/storage/db';
import { freshDb } from '$lib/storage/test-db';
import type { ChatMessage } from '$lib/engine/types';
import { estimateMessageTokens } from '$lib/utils/tokens';
import type { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

// The real ChatState, repository (fake-indexeddb) and Ollama engine, against the fixture server.
let fixture: Awaited<ReturnType<typeof startOllamaFixture>>;
let db: HearthDb;
let repo: ChatRepository;
let errors: HearthError[];
let chat: ChatState;
let engine: EngineState;
let settings: Settings;

beforeAll(async () => {
	fixture = await startOllamaFixture({ chunkDelayMs: 1 });
});
afterAll(() => fixture.close());

beforeEach(async () => {
	db = freshDb();
	repo = new ChatRepository(db);
	errors = [];
	// The casual agent answers (no routing, no critique pass): these tests are about the thread.
	settings = { ...DEFAULT_SETTINGS, ollamaUrl: fixture.url, autoTitle: false, agentRouting: false };
	engine = new EngineState(
		() => settings,
		createEngineFactory({ retryDelay: { baseDelayMs: 1, maxDelayMs: 2 } })
	);
	await engine.refresh();
	chat = new ChatState({
		repo,
		engine,
		settings: () => settings,
		onChanged: () => {},
		onError: (e) => errors.push(e)
	});
});

async function until(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
	const end = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > end) throw new Error('condition not met in time');
		await new Promise((r) => setTimeout(r, 10));
	}
}

describe('ChatState', () => {
	it('streams an answer into memory and the database, with usage and timings', async () => {
		await chat.send('Hello there');
		const [user, answer] = chat.thread;
		expect(user).toMatchObject({ role: 'user', content: 'Hello there', status: 'done' });
		expect(answer).toMatchObject({ role: 'assistant', content: 'Hello there', status: 'done' });
		expect(answer?.usage?.completionTokens).toBeGreaterThan(0);
		const stored = await repo.messagesOf(chat.conversation!.id);
		expect(stored.map((m) => [m.role, m.content, m.status])).toEqual([
			['user', 'Hello there', 'done'],
			['assistant', 'Hello there', 'done']
		]);
		expect((await repo.getConversation(chat.conversation!.id))?.leafId).toBe(answer?.id);
	});

	it('shows an answer as finished only once the next message can be sent', async () => {
		const update = repo.updateMessage.bind(repo);
		// A slow disk: the last save of the answer takes a while.
		repo.updateMessage = async (id, patch) => {
			if (patch.status === 'done') await new Promise((r) => setTimeout(r, 150));
			return update(id, patch);
		};
		const seen: string[] = [];
		const sending = chat.send('first question');
		let finished = false;
		void sending.then(() => (finished = true));
		while (!finished) {
			const answer = chat.thread.at(-1);
			if (answer?.role === 'assistant')
				seen.push(`${answer.status}:${chat.streaming ? 'busy' : 'free'}`);
			await new Promise((r) => setTimeout(r, 5));
		}
		expect(seen).toContain('streaming:busy');
		expect(seen).not.toContain('done:busy');
		expect(chat.thread.at(-1)?.status).toBe('done');
		expect(chat.streaming).toBeNull();
	});

	it('sends the system prompt and the visible branch only', async () => {
		settings.systemPrompt = 'Be brief.';
		await chat.send('one');
		await chat.regenerate(chat.thread[1]!);
		await chat.send('two');
		const last = fixture.requests.filter((r) => r.path === '/api/chat').at(-1)?.body as {
			messages: { role: string; content: string }[];
		};
		const [system, ...rest] = last.messages;
		// The user's standing instructions come first, then the agent's own prompt.
		expect(system?.role).toBe('system');
		expect(system?.content.startsWith('Be brief.\n\n')).toBe(true);
		expect(rest).toEqual([
			{ role: 'user', content: 'one' },
			{ role: 'assistant', content: 'one' },
			{ role: 'user', content: 'two' }
		]);
		expect(chat.siblingsOf(chat.thread[1]!)).toHaveLength(2);
	});

	it('writes a model-made title when auto-title is on', async () => {
		settings.autoTitle = true;
		await chat.send('plan a **garden** party');
		expect(chat.conversation?.title).toBe('plan a **garden** party'); // the first guess
		await until(
			async () => (await repo.getConversation(chat.conversation!.id))?.titleFinal === true
		);
		expect((await repo.getConversation(chat.conversation!.id))?.title).toBe('plan a garden party');
	});

	it('stop keeps the text so far as an aborted answer, and continue appends to it', async () => {
		const sending = chat.send('long one [[slow]]');
		await until(() => (chat.thread[1]?.content.length ?? 0) > 10);
		chat.stop();
		await sending;
		const answer = chat.thread[1]!;
		expect(answer.status).toBe('aborted');
		const partial = answer.content;
		expect(partial).toMatch(/^w1 w2/);
		await chat.continueAnswer(answer);
		expect(answer.status).toBe('done');
		expect(answer.content).toBe(`${partial} and that is the rest of the answer.`);
		const stored = (await repo.messagesOf(chat.conversation!.id))[1];
		expect(stored?.content).toBe(answer.content);
	});

	it('stopAndWait resolves once the stopped answer is saved, so the next message is sent', async () => {
		const first = chat.send('long one [[slow]]');
		await until(() => (chat.thread[1]?.content.length ?? 0) > 10);
		await chat.stopAndWait();
		expect(chat.streaming).toBeNull();
		const stored = (await repo.messagesOf(chat.conversation!.id))[1];
		expect(stored?.status).toBe('aborted');
		await chat.send('and now this');
		await first;
		expect(chat.thread.map((m) => m.content.slice(0, 12))).toEqual([
			'long one [[s',
			stored!.content.slice(0, 12),
			'and now this',
			'and now this'
		]);
		// With nothing running it resolves at once.
		await chat.stopAndWait();
	});

	it('warm loads the answer code and the tools before the first message', async () => {
		let asked = 0;
		const registry = createRegistry([]);
		const warmed = new ChatState({
			repo,
			engine,
			settings: () => settings,
			onChanged: () => {},
			onError: (e) => errors.push(e),
			tools: {
				registry: async () => {
					asked++;
					return registry;
				},
				net: (url, init) => fetch(url, init),
				hasWritableFolder: async () => false,
				attachments: async () => []
			}
		});
		await warmed.warm();
		expect(asked).toBe(1);
		await warmed.send('after warming');
		expect(warmed.thread.at(-1)).toMatchObject({ status: 'done', content: 'after warming' });
	});

	it('a full disk mid-answer is reported once; the answer finishes on screen, saved data stays', async () => {
		await chat.send('saved first');
		db.messages.hook('updating', () => {
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		});
		await chat.send('a longer answer that cannot be saved any more');
		expect(errors.map((e) => e.code)).toEqual(['quota_exceeded']);
		expect(chat.thread.at(-1)?.content).toBe('a longer answer that cannot be saved any more');
		const stored = await repo.messagesOf(chat.conversation!.id);
		expect(stored.slice(0, 2).map((m) => m.content)).toEqual(['saved first', 'saved first']);
	});

	it('times the reasoning and keeps it out of the history sent next', async () => {
		await chat.send('[[think]] why?');
		const answer = chat.thread[1]!;
		expect(answer.content).toBe(THINK_REPLY);
		// The think block streams in several 1 ms chunks: its time is measured, not left at 0.
		expect(answer.reasoningMs).toBeGreaterThan(0);
		const stored = await repo.messagesOf(chat.conversation!.id);
		expect(stored[1]?.reasoningMs).toBe(answer.reasoningMs);

		await chat.send('and then?');
		const last = fixture.requests.filter((r) => r.path === '/api/chat').at(-1);
		const sent = (last?.body as { messages: { role: string; content: string }[] }).messages;
		expect(sent.filter((m) => m.role !== 'system').map((m) => m.content)).toEqual([
			'[[think]] why?',
			'The answer.',
			'and then?'
		]);
	});

	it('sends the conversation’s own generation settings over the defaults', async () => {
		await chat.send('first');
		await chat.setOptions({ temperature: 0.1, stop: ['END'] });
		await chat.send('second');
		const last = fixture.requests.filter((r) => r.path === '/api/chat').at(-1);
		const options = (last?.body as { options: Record<string, unknown> }).options;
		expect(options).toMatchObject({ temperature: 0.1, top_p: 0.95, stop: ['END'] });
		const stored = await repo.getConversation(chat.conversation!.id);
		expect(stored?.options).toEqual({ temperature: 0.1, stop: ['END'] });
	});

	it('keeps a long conversation inside the window with a rolling summary, and says so', async () => {
		settings.maxTokens = 512;
		const long = (n: number) => `turn ${n}: ` + 'the quick brown fox jumps '.repeat(80);
		for (let n = 1; n <= 5; n++) await chat.send(long(n));
		const answer = chat.thread.at(-1)!;
		expect(answer.status).toBe('done');
		expect(answer.context).toBeDefined();
		const { summarizedTurns, omittedTurns, contextWindow } = answer.context!;
		expect(summarizedTurns).toBeGreaterThan(0);
		expect(contextWindow).toBe(4096);
		// What went to the model fits the window with room for the answer.
		const last = fixture.requests.filter((r) => r.path === '/api/chat').at(-1);
		const sent = (last?.body as { messages: { role: string; content: string }[] }).messages;
		// Every one of the 9 turns is accounted for: sent (after the system prompt), summarised, or
		// left out (the echoing fixture's "summary" runs long, so a turn or two may be) and said so.
		expect(sent.length - 1 + summarizedTurns + omittedTurns).toBe(9);
		expect(sent.at(-1)?.content).toBe(long(5));
		expect(estimateMessageTokens(sent as ChatMessage[])).toBeLessThanOrEqual(4096 - 512);
		expect(sent[0]?.role).toBe('system');
		expect(sent[0]?.content).toContain('Summary of the earlier conversation');
		const stored = await repo.getConversation(chat.conversation!.id);
		expect(stored?.summary?.coversCount).toBe(summarizedTurns);
		// The summary was written by the model (the fixture echoes the request it was given).
		const summaryRequest = fixture.requests.find((r) =>
			JSON.stringify(r.body ?? null).includes('You keep notes on a conversation')
		);
		expect(summaryRequest).toBeDefined();
		expect((await repo.messagesOf(chat.conversation!.id)).at(-1)?.context).toEqual(answer.context);
	}, 20_000);

	it('refuses a message that cannot fit the window, with the numbers, and keeps it', async () => {
		await chat.send('x '.repeat(20_000));
		const answer = chat.thread.at(-1)!;
		expect(answer.status).toBe('error');
		expect(answer.error?.code).toBe('context_overflow');
		expect(answer.error?.message).toMatch(/about [\d,]+ tokens.*4,096/);
		expect(chat.thread[0]?.content).toBe('x '.repeat(20_000));
	});

	it('an unreachable engine gives an error answer with the fix, and retry works once it is back', async () => {
		settings.ollamaUrl = 'http://127.0.0.1:9';
		const engine = new EngineState(
			() => settings,
			createEngineFactory({ retryDelay: { baseDelayMs: 1, maxDelayMs: 2 } })
		);
		await engine.refresh();
		expect(engine.candidates.ollama.status).toBe('unreachable');
		expect(engine.status).toBe('none');
		chat = new ChatState({ repo, engine, settings: () => settings, onChanged() {}, onError() {} });
		await chat.send('anyone?');
		const answer = chat.thread[1]!;
		expect(answer.status).toBe('error');
		expect(answer.error?.code).toBe('engine_unreachable');
		expect(answer.error?.message).toContain('OLLAMA_ORIGINS');

		settings.ollamaUrl = fixture.url;
		await engine.refresh();
		await chat.retry(answer);
		expect(answer).toMatchObject({ status: 'done', content: 'anyone?', error: undefined });
	});

	it('puts relevant memories in the prompt, lists them on the answer, and proposes new ones', async () => {
		const proposed: string[] = [];
		const withMemory = new ChatState({
			repo,
			engine: new EngineState(
				() => settings,
				createEngineFactory({ retryDelay: { baseDelayMs: 1, maxDelayMs: 2 } })
			),
			settings: () => settings,
			onChanged: () => {},
			onError: (e) => errors.push(e),
			memory: {
				relevant: async (query) =>
					query.includes('tea')
						? {
								block: 'What you remember about the user:\n- prefers green tea',
								used: [{ id: 'm1', text: 'prefers green tea' }]
							}
						: null,
				propose: async ({ userText }) => {
					proposed.push(userText);
				}
			}
		});
		await withMemory.send('Which tea should I buy?');
		const answer = withMemory.thread.at(-1)!;
		expect(answer.memories).toEqual([{ id: 'm1', text: 'prefers green tea' }]);
		const last = fixture.requests.filter((r) => r.path === '/api/chat').at(-1);
		const sent = (last?.body as { messages: { role: string; content: string }[] }).messages;
		expect(sent[0]?.content).toContain('- prefers green tea');
		expect(proposed).toEqual(['Which tea should I buy?']);
		expect((await repo.messagesOf(withMemory.conversation!.id)).at(-1)?.memories).toHaveLength(1);

		settings.useMemories = false;
		settings.proposeMemories = false;
		await withMemory.send('More tea?');
		expect(withMemory.thread.at(-1)?.memories).toBeUndefined();
		expect(proposed).toHaveLength(1);
	});
});
