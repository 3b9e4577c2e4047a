// Memory proposals in the terminal: the web app's proposer (proposer.ts, its queue and its
// model call) over the SQLite memories, through real terminal turns against the Ollama fixture,
// whose `[[memories:[…]]]` directive is what the model proposes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Memory } from '$lib/types/knowledge';
import { startOllamaFixture } from '../../tests/fixtures/ollama-fixture.js';
import { reviewAnswer, reviewProposals } from '../cli/memories';
import { runTurn } from '../cli/turn-runner';
import { createNodeRuntime, fixedApprovals, type NodeRuntime } from './runtime';
import { SqliteChatStore } from './sqlite-chat-store';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const QUIET_MS = 300;
let dir: string;
let ollama: Awaited<ReturnType<typeof startOllamaFixture>>;
let runtime: NodeRuntime;
const quiet = { write: () => undefined, styled: false, columns: 80 };

const proposing = (memories: { text: string; kind: string }[]) =>
	`[[memories:${JSON.stringify(memories)}]]`;

beforeAll(async () => {
	dir = await mkdtemp(path.join(tmpdir(), 'hearth-proposals-'));
	ollama = await startOllamaFixture({ chunkDelayMs: 0 });
	runtime = await createNodeRuntime({
		env: { HEARTH_HOME: dir, OLLAMA_HOST: ollama.url },
		cwd: dir,
		proposalQuietMs: QUIET_MS
	});
});

afterAll(async () => {
	await runtime?.close();
	await ollama?.close();
	await rm(dir, { recursive: true, force: true });
});

const ask = (text: string, conversation: Parameters<typeof runTurn>[0]['conversation'] = null) =>
	runTurn({
		runtime,
		conversation,
		text,
		approvals: fixedApprovals(false),
		signal: new AbortController().signal,
		out: null,
		notes: quiet
	});

/** The proposal calls the fixture received (their reply schema has `memories`). */
const proposalCalls = () =>
	ollama.requests.filter(
		(r) =>
			r.path === '/api/chat' &&
			(r.body as { format?: { properties?: object } }).format?.properties !== undefined &&
			'memories' in (r.body as { format: { properties: object } }).format.properties
	);

describe('memory proposals in the terminal', () => {
	it('batches a conversation’s exchanges into one call once quiet, stores them proposed', async () => {
		const heard: Memory[][] = [];
		runtime.onProposed((m) => heard.push(m));
		const first = await ask('I keep bees in my garden.');
		// A question about the world, not the person: never read.
		await ask('What is the capital of France?', first.conversation);
		// The fixture proposes what this directive says, for the whole batch.
		const both = proposing([
			{ text: 'The user keeps bees.', kind: 'fact' },
			{ text: 'The user prefers tabs.', kind: 'preference' }
		]);
		await ask(`I prefer tabs. ${both}`, first.conversation);
		expect(runtime.proposals.waiting).toBe(2);
		expect(proposalCalls()).toHaveLength(0);

		await vi.waitFor(() => expect(heard).toHaveLength(1), { timeout: 10_000 });
		// One call for the conversation's two exchanges, with both of the person's messages.
		expect(proposalCalls()).toHaveLength(1);
		const call = JSON.stringify(proposalCalls()[0]!.body);
		expect(call).toContain('I keep bees in my garden.');
		expect(call).toContain('I prefer tabs.');
		expect(call).not.toContain('capital of France');
		expect(heard[0]!.map((m) => [m.text, m.kind, m.status, m.origin])).toEqual([
			['The user keeps bees.', 'fact', 'proposed', 'proposed'],
			['The user prefers tabs.', 'preference', 'proposed', 'proposed']
		]);
		const stored = await runtime.memories.list('proposed');
		expect(stored.map((m) => m.text).sort()).toEqual([
			'The user keeps bees.',
			'The user prefers tabs.'
		]);
		expect(stored[0]!.conversationId).toBe(first.conversation.id);
		// Proposals are not memories yet: no answer uses them.
		runtime.onProposed(null);
	});

	it('is kept on disk pending: another process (a new store) sees the proposal', async () => {
		const other = await SqliteChatStore.open(runtime.paths.databaseFile);
		const rows = other.db.prepare('SELECT data FROM memories').all() as { data: string }[];
		expect(rows.map((r) => (JSON.parse(r.data) as Memory).status)).toEqual([
			'proposed',
			'proposed'
		]);
		other.close();
	});

	it('close() reads what still waits, so a one-shot run leaves its proposals pending', async () => {
		const home = path.join(dir, 'one-shot');
		const once = await createNodeRuntime({
			env: { HEARTH_HOME: home, OLLAMA_HOST: ollama.url },
			cwd: home
		});
		await runTurn({
			runtime: once,
			conversation: null,
			text: `My name is Ada. ${proposing([{ text: 'The user is called Ada.', kind: 'fact' }])}`,
			approvals: fixedApprovals(false),
			signal: new AbortController().signal,
			out: null,
			notes: quiet
		});
		expect(once.proposals.waiting).toBe(1);
		await once.close();
		const again = await createNodeRuntime({
			env: { HEARTH_HOME: home, OLLAMA_HOST: ollama.url },
			cwd: home
		});
		expect((await again.memories.list('proposed')).map((m) => m.text)).toEqual([
			'The user is called Ada.'
		]);
		await again.close();
	});

	it('does nothing with config memory.propose_memories: false', async () => {
		runtime.settings.proposeMemories = false;
		try {
			await ask(
				`I live in Lisbon. ${proposing([{ text: 'The user lives in Lisbon.', kind: 'fact' }])}`
			);
			expect(runtime.proposals.waiting).toBe(0);
		} finally {
			runtime.settings.proposeMemories = true;
		}
	});
});

describe('reviewing proposals (the REPL’s y/N)', () => {
	it('reads the answers: y keeps, anything else discards, all/none settle the rest, later stops', () => {
		expect(
			['y', 'YES', 'n', '', 'maybe', 'all', 'a', 'none', 'later', 'l'].map(reviewAnswer)
		).toEqual([
			'keep',
			'keep',
			'discard',
			'discard',
			'discard',
			'keep-all',
			'keep-all',
			'discard-all',
			'later',
			'later'
		]);
		expect(reviewAnswer(null)).toBe('later');
	});

	async function proposals(texts: string[]): Promise<Memory[]> {
		return runtime.memories.addProposals(
			texts.map((text) => ({ text, kind: 'fact' as const })),
			'c1'
		);
	}

	it('keeps a yes, discards a no, and leaves the rest for later', async () => {
		for (const m of await runtime.memories.list('proposed')) await runtime.memories.discard(m.id);
		const [a, b, c] = await proposals([
			'The user plays the cello.',
			'The user has a cat.',
			'The user runs marathons.'
		]);
		const answers = ['y', 'n', 'later'];
		const asked: string[] = [];
		const result = await reviewProposals(
			runtime.memories,
			[a!, b!, c!],
			async (q) => {
				asked.push(q);
				return answers.shift() ?? null;
			},
			quiet
		);
		expect(result).toEqual({ kept: 1, discarded: 1 });
		expect(asked[0]).toContain('1/3 The user plays the cello.');
		expect((await runtime.memories.get(a!.id))?.status).toBe('kept');
		expect(await runtime.memories.get(b!.id)).toBeUndefined();
		expect((await runtime.memories.get(c!.id))?.status).toBe('proposed');

		// "all" keeps this one and every one after it without asking again.
		const [d, e] = await proposals(['The user speaks Basque.', 'The user grows figs.']);
		let questions = 0;
		await reviewProposals(
			runtime.memories,
			[c!, d!, e!],
			async () => (++questions === 1 ? 'all' : 'n'),
			quiet
		);
		expect(questions).toBe(1);
		for (const m of [c!, d!, e!]) expect((await runtime.memories.get(m.id))?.status).toBe('kept');
	});
});
