import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { fileTools } from '$lib/agent/test-tools';
import { textEngine, type ScriptStep } from '$lib/agent/scripted-engine';
import type { ChatStore } from '$lib/conversation/chat-store';
import type { EngineChooser, ToolApprovals } from '$lib/conversation/ports';
import { ConversationService } from '$lib/conversation/service';
import { applyTurnEvent, type TurnEvent } from '$lib/conversation/turn-events';
import type { LlmEngine } from '$lib/engine/types';
import { ChatRepository } from '$lib/storage/chat-repo';
import { freshDb } from '$lib/storage/test-db';
import { createRegistry } from '$lib/tools/registry';
import type { AnyTool, Tool } from '$lib/tools/types';
import type { Message } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';
import type { ToolCallRecord } from '$lib/types/tools';

// The service as a face without Svelte uses it (the terminal, the API): a plain object per
// answer, the events applied with the shared reducer, approvals from a policy.

function chooser(engine: LlmEngine): EngineChooser {
	return {
		choose: async () => ({ kind: 'ollama', engine, model: 'scripted' }),
		modelInfo: () => ({ id: 'scripted', name: 'scripted', contextLength: 8192 })
	};
}

const settings: Settings = {
	...DEFAULT_SETTINGS,
	agentRouting: false,
	autoTitle: false,
	proposeMemories: false
};

function setup(
	script: ScriptStep[] | (string | HearthError)[],
	options: { tools?: AnyTool[]; store?: ChatStore; saveEveryMs?: number } = {}
) {
	const engine = textEngine(script as (string | HearthError | ScriptStep)[]);
	const store = options.store ?? new ChatRepository(freshDb());
	const errors: HearthError[] = [];
	const service = new ConversationService({
		store,
		engines: chooser(engine),
		settings: () => settings,
		tools: options.tools
			? {
					registry: async () => createRegistry(options.tools!),
					net: (url, init) => fetch(url, init),
					hasWritableFolder: async () => true,
					attachments: async () => []
				}
			: undefined,
		onError: (e) => errors.push(e),
		saveEveryMs: options.saveEveryMs ?? 5
	});
	return { engine, store, service, errors };
}

/** Sends `text` in a new conversation and plays the answer's events onto a plain copy. */
async function ask(
	{ service }: ReturnType<typeof setup>,
	text: string,
	approvals: ToolApprovals = { confirm: async () => false, ask: async () => false },
	options: { signal?: AbortSignal; agentId?: string; onEvent?: (e: TurnEvent) => void } = {}
) {
	const created = await service.createConversation(text);
	const conversation = { ...created, agentId: options.agentId };
	const user = await service.addMessage({
		conversationId: conversation.id,
		parentId: null,
		role: 'user',
		content: text,
		status: 'done'
	});
	const answer = await service.addMessage({
		conversationId: conversation.id,
		parentId: user.id,
		role: 'assistant',
		content: '',
		status: 'streaming'
	});
	const shown: Message = structuredClone(answer);
	const events: TurnEvent[] = [];
	for await (const event of service.answer({
		answer,
		thread: [user],
		conversation,
		append: false,
		approvals,
		signal: options.signal ?? new AbortController().signal
	})) {
		events.push(event);
		options.onEvent?.(event);
		applyTurnEvent(shown, event);
	}
	return { conversation, answer, shown, events };
}

describe('ConversationService', () => {
	it('streams an answer: the events rebuild exactly what was saved, ending with its status', async () => {
		const ctx = setup(['Hello from the core.']);
		const { conversation, shown, events } = await ask(ctx, 'hi');
		expect(shown.content).toBe('Hello from the core.');
		expect(shown.status).toBe('done');
		expect(events.at(-1)).toEqual({ type: 'status', status: 'done' });
		expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(1);
		const [, stored] = await ctx.store.messagesOf(conversation.id);
		expect(stored).toMatchObject({
			content: shown.content,
			status: 'done',
			model: 'scripted',
			agent: shown.agent,
			usage: shown.usage
		});
	});

	it('asks the face before a side-effect tool runs, and does not run it on a no', async () => {
		const { writeFile, written } = fileTools();
		const ctx = setup(
			[
				{ calls: [{ name: 'write_file', args: { path: 'notes.txt', content: 'x' } }] },
				{ text: 'Not written.' }
			],
			{ tools: [writeFile] }
		);
		const asked: ToolCallRecord[] = [];
		const policy: ToolApprovals = {
			confirm: async (record) => {
				asked.push(structuredClone(record));
				return false;
			},
			ask: async () => false
		};
		// The Tasks agent writes files.
		const { shown } = await ask(ctx, 'write notes.txt', policy, { agentId: 'task' });
		expect(asked.map((r) => r.name)).toEqual(['write_file']);
		expect(written).toEqual([]);
		expect(shown.toolCalls?.[0]?.status).toBe('denied');
		expect(shown.content).toBe('Not written.');
	});

	it('a stopped answer keeps its text, is saved as aborted, and the engine was told', async () => {
		const ctx = setup([{ text: ['one ', 'two ', 'three'], hang: true }]);
		const stop = new AbortController();
		const approvals = { confirm: async () => false, ask: async () => false };
		let texts = 0;
		// Stopped once all three pieces arrived, while the reply is still open.
		const { conversation, shown, events } = await ask(ctx, 'count', approvals, {
			signal: stop.signal,
			onEvent: (e) => {
				if (e.type === 'text' && ++texts === 3) stop.abort();
			}
		});
		expect(ctx.engine.signals[0]?.aborted).toBe(true);
		expect(events.at(-1)).toEqual({ type: 'status', status: 'aborted' });
		expect(shown.content).toBe('one two three');
		const [, stored] = await ctx.store.messagesOf(conversation.id);
		expect(stored).toMatchObject({ status: 'aborted', content: 'one two three' });
	});

	it('an engine failure ends the answer as an error with its code, saved', async () => {
		const ctx = setup([new HearthError('engine_unreachable', 'Nobody home.')]);
		const { conversation, shown } = await ask(ctx, 'anyone?');
		expect(shown.status).toBe('error');
		expect(shown.error?.code).toBe('engine_unreachable');
		const [, stored] = await ctx.store.messagesOf(conversation.id);
		expect(stored?.error?.code).toBe('engine_unreachable');
	});

	it('a store that fails mid-answer is reported once; the answer still finishes', async () => {
		const store = new ChatRepository(freshDb());
		const update = store.updateMessage.bind(store);
		let calls = 0;
		store.updateMessage = async (id, patch) => {
			if (++calls > 1) throw new HearthError('quota_exceeded', 'The disk is full.');
			return update(id, patch);
		};
		const ctx = setup([{ text: ['a', 'b', 'c', 'd', 'e', 'f'] }], { store });
		const { shown } = await ask(ctx, 'fill it');
		expect(shown).toMatchObject({ content: 'abcdef', status: 'done' });
		expect(ctx.errors.map((e) => e.code)).toEqual(['quota_exceeded']);
	});

	it('an answer just stored as it starts is not written again before its first token', async () => {
		const store = new ChatRepository(freshDb());
		// No streaming save within the test: only the opening and the final save can happen.
		const ctx = setup(['Saved once at the end.'], { store, saveEveryMs: 60_000 });
		const { conversation, messages } = await store.createThread({ title: 'q' }, [
			{ role: 'user', content: 'q', status: 'done' },
			{ role: 'assistant', content: '', status: 'streaming' }
		]);
		const [user, answer] = messages as [Message, Message];
		const saves: string[] = [];
		const update = store.updateMessage.bind(store);
		store.updateMessage = async (id, patch) => {
			saves.push(`${patch.status}:${patch.content}`);
			return update(id, patch);
		};
		const play = async (service: ConversationService, target: Message) => {
			for await (const event of service.answer({
				answer: target,
				thread: [user],
				conversation,
				append: false,
				stored: true,
				approvals: { confirm: async () => false, ask: async () => false },
				signal: new AbortController().signal
			}))
				if (event.type === 'status' && event.status === 'error') throw new Error('failed');
		};
		await play(ctx.service, answer);
		expect(saves).toEqual(['done:Saved once at the end.']);
		expect((await store.messagesOf(conversation.id))[1]).toMatchObject({
			status: 'done',
			content: 'Saved once at the end.'
		});
		// Answered again (a retry), its copy says done: the opening save marks it streaming.
		saves.length = 0;
		const again = setup(['Second.'], { store, saveEveryMs: 60_000 });
		await play(again.service, { ...answer, content: 'x', status: 'done' });
		expect(saves).toEqual(['streaming:', 'done:Second.']);
	});

	it('writes a title with the model once, when the opening is not a title already', async () => {
		const opening =
			'I have a big garden and about thirty guests coming next month, what should I plan first?';
		const ctx = setup(['An answer.', 'Garden party plans']);
		const { conversation } = await ask(ctx, opening);
		settings.autoTitle = true;
		try {
			expect(await ctx.service.autoTitle(conversation.id)).toBe('Garden party plans');
			expect(await ctx.store.getConversation(conversation.id)).toMatchObject({
				title: 'Garden party plans',
				titleFinal: true
			});
			// Once final, a title is never rewritten (and the model is not asked again).
			expect(await ctx.service.autoTitle(conversation.id)).toBeNull();
			expect(ctx.engine.requests).toHaveLength(2);
		} finally {
			settings.autoTitle = false;
		}
	});

	it('keeps an opening that reads as a title, without asking the model', async () => {
		const ctx = setup(['An answer.']);
		const { conversation } = await ask(ctx, 'Plan a garden party');
		settings.autoTitle = true;
		try {
			expect(await ctx.service.autoTitle(conversation.id)).toBeNull();
			expect(await ctx.store.getConversation(conversation.id)).toMatchObject({
				title: 'Plan a garden party',
				titleFinal: true
			});
			expect(ctx.engine.requests).toHaveLength(1); // the answer only
		} finally {
			settings.autoTitle = false;
		}
	});

	it('records what the review pass cost, whether or not it changed the answer', async () => {
		// The Code agent reviews its answers by default.
		const kept = setup(['def f(): return 1', '{"ok": true, "problems": []}']);
		const checked = await ask(kept, 'write f', undefined, { agentId: 'code' });
		expect(checked.shown.review?.calls).toBe(1);
		expect(checked.shown.revision).toBeUndefined();

		const revisedCtx = setup([
			'def f(): return 1',
			'{"ok": false, "problems": ["f should return 2"]}',
			'def f(): return 2'
		]);
		const revised = await ask(revisedCtx, 'write f returning 2', undefined, { agentId: 'code' });
		expect(revised.shown.review?.calls).toBe(2);
		expect(revised.shown.revision?.draft).toBe('def f(): return 1');
		expect(revised.shown.content).toBe('def f(): return 2');
		const [, stored] = await revisedCtx.store.messagesOf(revised.conversation.id);
		expect(stored?.review).toEqual(revised.shown.review);
	});

	it("saves a running call's card when it changes, not for every progress update", async () => {
		const schema = v.object({ steps: v.number() });
		const progressTool: Tool<typeof schema> = {
			// A name the Tasks agent offers; this one only counts.
			name: 'calculator',
			title: 'Count up',
			description: 'Reports progress while it runs.',
			schema,
			sideEffect: false,
			network: false,
			defaultEnabled: true,
			timeoutMs: 5000,
			describe: ({ steps }) => `Count to ${steps}`,
			run: async ({ steps }, ctx) => {
				for (let i = 1; i <= steps; i++) {
					ctx.onProgress({ fraction: i / steps, text: `${i} of ${steps}` });
					// Longer than the save interval (5 ms): each update could have been saved.
					await new Promise((resolve) => setTimeout(resolve, 10));
				}
				return { content: 'done', preview: 'Counted.', untrusted: false };
			}
		};
		const repo = new ChatRepository(freshDb());
		const saved: string[] = [];
		const store = new Proxy(repo, {
			get(target, key, receiver) {
				if (key === 'updateMessage') {
					return (id: string, patch: Partial<Message>) => {
						saved.push(patch.toolCalls?.[0]?.preview ?? '');
						return target.updateMessage(id, patch);
					};
				}
				const value: unknown = Reflect.get(target, key, receiver);
				return typeof value === 'function' ? value.bind(target) : value;
			}
		});
		const ctx = setup(
			[{ calls: [{ name: 'calculator', args: { steps: 20 } }] }, { text: 'Counted to 20.' }],
			{ tools: [progressTool as unknown as AnyTool], store }
		);
		const { conversation, shown, events } = await ask(ctx, 'count', undefined, {
			agentId: 'task'
		});
		const updates = events.filter((e) => e.type === 'call-update' && 'progress' in e.patch);
		expect(updates).toHaveLength(20);
		expect(shown.toolCalls?.[0]?.preview).toBe('Counted.');
		// Progress alone is never saved (20 updates, each longer apart than the save interval,
		// were 20 saves); a save for the call's start may carry the first line.
		expect(saved.filter((p) => / of 20$/.test(p)).length).toBeLessThanOrEqual(1);
		const [, stored] = await ctx.store.messagesOf(conversation.id);
		expect(stored?.toolCalls?.[0]).toMatchObject({ status: 'done', preview: 'Counted.' });
	});
});
