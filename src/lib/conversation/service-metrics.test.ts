import { describe, expect, it } from 'vitest';
import { addTool } from '$lib/agent/test-tools';
import { textEngine, type ScriptStep } from '$lib/agent/scripted-engine';
import type { ToolApprovals } from '$lib/conversation/ports';
import { ConversationService } from '$lib/conversation/service';
import { histogramPercentile } from '$lib/metrics/histogram';
import type { MemoryHooks } from '$lib/conversation/ports';
import { ChatRepository } from '$lib/storage/chat-repo';
import { MetricsRepository } from '$lib/storage/metrics-repo';
import { freshDb } from '$lib/storage/test-db';
import { createRegistry } from '$lib/tools/registry';
import type { AnyTool } from '$lib/tools/types';
import type { ImageRef } from '$lib/types/chat';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

// Every answer path records one metric row (and its day's rollup) when it settles: a plain
// answer, one stopped, one that failed, one with tool calls. Off in Settings, nothing is kept.

function setup(
	script: (string | HearthError | ScriptStep)[],
	options: { tools?: AnyTool[]; settings?: Partial<Settings>; memory?: MemoryHooks } = {}
) {
	const db = freshDb();
	const metrics = new MetricsRepository(db);
	const settings: Settings = {
		...DEFAULT_SETTINGS,
		agentRouting: false,
		autoTitle: false,
		proposeMemories: false,
		...options.settings
	};
	const engine = textEngine(script);
	const service = new ConversationService({
		store: new ChatRepository(db),
		engines: {
			choose: async () => ({ kind: 'ollama', engine, model: 'scripted' }),
			modelInfo: () => undefined
		},
		settings: () => settings,
		tools: options.tools
			? {
					registry: async () => createRegistry(options.tools!),
					net: () => Promise.reject(new Error('no network in this test')),
					hasWritableFolder: async () => false,
					attachments: async () => []
				}
			: undefined,
		memory: options.memory,
		metrics,
		onError: () => undefined,
		saveEveryMs: 5
	});
	return { db, metrics, service, settings };
}

async function ask(
	{ service }: ReturnType<typeof setup>,
	text: string,
	options: {
		signal?: AbortSignal;
		voice?: boolean;
		images?: ImageRef[];
		onText?: () => void;
		agentId?: string;
	} = {}
) {
	const conversation = await service.createConversation(text);
	const user = await service.addMessage({
		conversationId: conversation.id,
		parentId: null,
		role: 'user',
		content: text,
		status: 'done',
		...(options.images ? { images: options.images } : {})
	});
	const answer = await service.addMessage({
		conversationId: conversation.id,
		parentId: user.id,
		role: 'assistant',
		content: '',
		status: 'streaming'
	});
	const approvals: ToolApprovals = { confirm: async () => true, ask: async () => false };
	for await (const event of service.answer({
		answer,
		thread: [user],
		conversation: { ...conversation, agentId: options.agentId ?? 'chat' },
		append: false,
		approvals,
		signal: options.signal ?? new AbortController().signal,
		voice: options.voice
	})) {
		if (event.type === 'text') options.onText?.();
	}
	return answer;
}

describe('metrics of every answer', () => {
	it('a finished answer: engine, model, agent, timings, tokens, no error, no features', async () => {
		const ctx = setup(['Hello there.']);
		const answer = await ask(ctx, 'hi');
		const [row] = await ctx.metrics.answers(0, Date.now());
		expect(row).toMatchObject({
			messageId: answer.id,
			engine: 'ollama',
			model: 'scripted',
			agent: 'chat',
			status: 'done',
			promptTokens: 10,
			tools: [],
			features: { voice: false, images: false, knowledge: false, memory: false }
		});
		expect(row?.firstTokenMs).toBeGreaterThanOrEqual(0);
		expect(row?.totalMs).toBeGreaterThanOrEqual(row!.firstTokenMs!);
		expect(row?.tokensPerSecond).toBe(50);
		expect(row).not.toHaveProperty('errorCode');
		const [rollup] = await ctx.metrics.rollups(row!.day, row!.day);
		expect(rollup).toMatchObject({ answers: 1, errors: 0, stopped: 0, model: 'scripted' });
		expect(rollup?.firstToken.count).toBe(1);
	});

	it('a stopped answer is recorded as aborted', async () => {
		const ctx = setup([{ text: ['one ', 'two'], hang: true }]);
		const stop = new AbortController();
		let texts = 0;
		await ask(ctx, 'count', { signal: stop.signal, onText: () => ++texts === 2 && stop.abort() });
		const [row] = await ctx.metrics.answers(0, Date.now());
		expect(row?.status).toBe('aborted');
		expect((await ctx.metrics.rollups(row!.day, row!.day))[0]?.stopped).toBe(1);
	});

	it('a failed answer is recorded with its error code', async () => {
		const ctx = setup([new HearthError('engine_unreachable', 'Nobody home.')]);
		await ask(ctx, 'anyone?');
		const [row] = await ctx.metrics.answers(0, Date.now());
		expect(row).toMatchObject({ status: 'error', errorCode: 'engine_unreachable' });
		const [rollup] = await ctx.metrics.rollups(row!.day, row!.day);
		expect(rollup).toMatchObject({ errors: 1, errorCodes: { engine_unreachable: 1 } });
	});

	it('tool calls are recorded with their outcome; spoken questions and images count as features', async () => {
		const ctx = setup(
			[
				{
					calls: [
						{ name: 'add', args: { a: 2, b: 3 } },
						{ name: 'nope', args: {} }
					]
				},
				'It is 5.'
			],
			{
				tools: [addTool],
				// An agent of the person's own that may add.
				settings: {
					customAgents: [
						{
							id: 'math',
							name: 'Math',
							description: 'Adds.',
							systemPrompt: 'You add numbers.',
							examples: [],
							tools: ['add', 'nope'],
							model: '',
							chainOfThought: false
						}
					]
				}
			}
		);
		const image: ImageRef = {
			id: 'i1',
			name: 'a.png',
			width: 1,
			height: 1,
			mime: 'image/png',
			bytes: 10
		};
		await ask(ctx, 'add 2 and 3', { voice: true, images: [image], agentId: 'math' });
		const [row] = await ctx.metrics.answers(0, Date.now());
		expect(row?.tools.map((t) => [t.name, t.status, t.errorCode])).toEqual([
			['add', 'done', undefined],
			['nope', 'error', 'tool_unknown']
		]);
		expect(row?.features).toEqual({ voice: true, images: true, knowledge: false, memory: false });
		const [rollup] = await ctx.metrics.rollups(row!.day, row!.day);
		expect(rollup?.tools).toEqual({
			add: { calls: 1, ok: 1, failed: 0, refused: 0 },
			nope: { calls: 1, ok: 0, failed: 1, refused: 0 }
		});
		expect(rollup?.features).toEqual({ voice: 1, images: 1, knowledge: 0, memory: 0 });
	});

	it('memories used by an answer count as the memory feature', async () => {
		const ctx = setup(['Green tea, then.'], {
			memory: {
				relevant: async () => ({
					block: 'Likes green tea',
					used: [{ id: 'm', text: 'Likes green tea' }]
				}),
				propose: async () => undefined
			}
		});
		await ask(ctx, 'what should I drink?');
		const [row] = await ctx.metrics.answers(0, Date.now());
		expect(row?.features.memory).toBe(true);
	});

	it('turned off in Settings, nothing is recorded', async () => {
		const ctx = setup(['Hello.'], { settings: { recordMetrics: false } });
		await ask(ctx, 'hi');
		expect(await ctx.metrics.countAnswers()).toBe(0);
		expect(await ctx.db.metricDays.count()).toBe(0);
	});
});

describe('MetricsRepository', () => {
	const row = (id: string, at: number, day: string, firstTokenMs: number) => ({
		id,
		messageId: id,
		at,
		day,
		engine: 'ollama' as const,
		model: 'm',
		status: 'done' as const,
		firstTokenMs,
		totalMs: firstTokenMs * 2,
		tools: [],
		features: { voice: false, images: false, knowledge: false, memory: false }
	});

	it('rolls rows up by day and model; percentiles read from the rollup are close to exact', async () => {
		const metrics = new MetricsRepository(freshDb());
		const values = Array.from({ length: 200 }, (_, i) => 100 + i * 10);
		await metrics.recordMany(values.map((v, i) => row(`r${i}`, i, '2025-06-01', v)));
		const [rollup] = await metrics.rollups('2025-06-01', '2025-06-01');
		expect(rollup?.answers).toBe(200);
		const exactP50 = values[99]!;
		const exactP95 = values[189]!;
		expect(
			Math.abs(histogramPercentile(rollup!.firstToken, 50)! - exactP50) / exactP50
		).toBeLessThan(0.06);
		expect(
			Math.abs(histogramPercentile(rollup!.firstToken, 95)! - exactP95) / exactP95
		).toBeLessThan(0.06);
	});

	it('prunes raw rows after 30 days and keeps their rollups; clear forgets both', async () => {
		const metrics = new MetricsRepository(freshDb());
		const now = Date.UTC(2025, 5, 30);
		const day = 86_400_000;
		await metrics.recordMany([
			row('old', now - 31 * day, '2025-05-30', 300),
			row('new', now - 2 * day, '2025-06-28', 400)
		]);
		expect(await metrics.prune(now)).toBe(1);
		expect((await metrics.answers(0, now)).map((r) => r.id)).toEqual(['new']);
		const rollups = await metrics.rollups('2025-05-01', '2025-06-30');
		expect(rollups.map((r) => [r.day, r.answers])).toEqual([
			['2025-05-30', 1],
			['2025-06-28', 1]
		]);
		await metrics.clear();
		expect(await metrics.countAnswers()).toBe(0);
		expect(await metrics.rollups('2025-05-01', '2025-06-30')).toEqual([]);
	});
});
