// Memory proposals from `hearth ask` (kept pending, never kept unasked) and `hearth memories`
// settling them, as real processes against the Ollama fixture, whose `[[memories:[…]]]`
// directive is what the model proposes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Memory } from '$lib/types/knowledge';
import { startOllamaFixture } from '../../tests/fixtures/ollama-fixture.js';
import { runHearth, type HearthRun } from './test-fixtures/hearth-process';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

let home = '';
let ollama: Awaited<ReturnType<typeof startOllamaFixture>>;

function hearth(args: string[]): Promise<HearthRun> {
	return runHearth(args, {
		cwd: home,
		env: { HOME: home, HEARTH_HOME: home, OLLAMA_HOST: ollama.url }
	});
}

const PROPOSE = `[[memories:${JSON.stringify([
	{ text: 'The user keeps bees.', kind: 'fact' },
	{ text: 'The user prefers tabs.', kind: 'preference' }
])}]]`;

beforeAll(async () => {
	home = await mkdtemp(path.join(tmpdir(), 'hearth-memories-cli-'));
	ollama = await startOllamaFixture({ chunkDelayMs: 0 });
});
afterAll(async () => {
	await ollama?.close();
	await rm(home, { recursive: true, force: true });
});

describe('memory proposals from hearth ask, settled with hearth memories', () => {
	it('ask --json lists the proposals; they wait, pending, for the person', async () => {
		const run = await hearth(['ask', '--json', `I keep bees and I prefer tabs. ${PROPOSE}`]);
		expect(run.code, run.stderr).toBe(0);
		const result = JSON.parse(run.stdout) as { memoryProposals: { text: string }[] };
		expect(result.memoryProposals.map((m) => m.text)).toEqual([
			'The user keeps bees.',
			'The user prefers tabs.'
		]);
		const listed = await hearth(['memories', 'proposals', '--json']);
		const proposals = JSON.parse(listed.stdout) as Memory[];
		expect(proposals.map((m) => [m.text, m.status])).toEqual([
			['The user prefers tabs.', 'proposed'],
			['The user keeps bees.', 'proposed']
		]);
		// A question about the world proposes nothing, and asks the model nothing more.
		const proposalCalls = () =>
			ollama.requests.filter((r) =>
				JSON.stringify((r.body as { format?: unknown } | undefined)?.format ?? '').includes(
					'"memories"'
				)
			).length;
		expect(proposalCalls()).toBe(1);
		const plain = await hearth(['ask', '--json', 'What is the capital of France?']);
		expect(JSON.parse(plain.stdout).memoryProposals).toEqual([]);
		expect(proposalCalls()).toBe(1);
	});

	it('keeps one by the start of its id, discards the rest, and refuses ids it cannot name', async () => {
		const proposals = JSON.parse(
			(await hearth(['memories', 'proposals', '--json'])).stdout
		) as Memory[];
		const bees = proposals.find((m) => m.text.includes('bees'))!;
		const kept = await hearth(['memories', 'keep', bees.id.slice(0, 8)]);
		expect(kept.code, kept.stderr).toBe(0);
		expect(kept.stdout).toBe('Kept: The user keeps bees.\n');

		const unknown = await hearth(['memories', 'discard', 'zzzzzzzz']);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain('No proposed memory zzzzzzzz');
		// A kept memory is no proposal: discard does not name it.
		const again = await hearth(['memories', 'discard', bees.id]);
		expect(again.code).toBe(2);
		const none = await hearth(['memories', 'discard']);
		expect(none.code).toBe(2);
		expect(none.stderr).toContain('needs proposal ids, or --all');

		const all = await hearth(['memories', 'discard', '--all']);
		expect(all.stdout).toBe('Discarded: The user prefers tabs.\n');
		const left = JSON.parse((await hearth(['memories', '--json'])).stdout) as Memory[];
		expect(left.map((m) => [m.text, m.status])).toEqual([['The user keeps bees.', 'kept']]);
		const text = await hearth(['memories']);
		expect(text.stdout).toMatch(/^[0-9a-f]{8} {2}The user keeps bees\.\n$/);
	});

	it('ask in plain text says what it proposes, on stderr', async () => {
		const run = await hearth([
			'ask',
			`I live in Lisbon. [[memories:[{"text":"The user lives in Lisbon.","kind":"fact"}]]]`
		]);
		expect(run.code, run.stderr).toBe(0);
		expect(run.stderr).toMatch(
			/Proposed to remember .*\n[0-9a-f]{8} {2}The user lives in Lisbon\. \(proposed\)/
		);
		expect(run.stdout).not.toContain('Proposed to remember');
	});
});
