import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reminder } from '$lib/types/agent-data';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { createNodeRuntime, type NodeRuntime } from './runtime';

// The settings table under config.yaml under the environment under the flags, as the terminal
// and the API build them (no engine is reached: nothing here answers).

let home: string;
const runtimes: NodeRuntime[] = [];

async function runtime(env: Record<string, string> = {}, flags = {}): Promise<NodeRuntime> {
	const r = await createNodeRuntime({ env: { HEARTH_HOME: home, ...env }, cwd: home, ...flags });
	runtimes.push(r);
	return r;
}

beforeEach(async () => {
	home = await mkdtemp(path.join(tmpdir(), 'hearth-runtime-'));
});
afterEach(async () => {
	for (const r of runtimes.splice(0)) await r.close();
	await rm(home, { recursive: true, force: true });
});

describe('settings in the Node runtime', () => {
	it('keeps stored settings across runs; config.yaml’s own keys, the environment and flags win', async () => {
		const first = await runtime();
		expect(first.settings.temperature).toBe(DEFAULT_SETTINGS.temperature);
		first.settingsStore.write({
			...DEFAULT_SETTINGS,
			temperature: 0.3,
			maxTokens: 777,
			ollamaUrl: 'http://10.0.0.5:11434',
			theme: 'dark',
			useMemories: false
		});
		await first.close();
		runtimes.length = 0;

		const second = await runtime();
		expect(second.settings).toMatchObject({
			temperature: 0.3,
			maxTokens: 777,
			ollamaUrl: 'http://10.0.0.5:11434',
			theme: 'dark',
			useMemories: false
		});
		expect(second.config.effective.ai.temperature).toBe(0.3);

		await writeFile(path.join(home, 'config.yaml'), 'ai:\n  temperature: 0.9\n');
		const third = await runtime({ OLLAMA_HOST: '127.0.0.1:9999' }, { maxTokens: 12 });
		expect(third.settings.temperature).toBe(0.9); // the file's key
		expect(third.settings.ollamaUrl).toBe('http://127.0.0.1:9999'); // the environment
		expect(third.settings.maxTokens).toBe(12); // the flag
		expect(third.settings.useMemories).toBe(false); // the table, where nothing else says
		expect(third.settingsStore.read()?.temperature).toBe(0.3); // the table is left as it was
	});

	it('starts reminders only when asked, reporting the missed ones once', async () => {
		const first = await runtime();
		await first.reminders.add({ text: 'call Ana', dueAt: Date.now() - 3_600_000 }, Date.now());
		await first.close();
		runtimes.length = 0;

		const quiet = await runtime();
		expect((await quiet.reminders.list(['scheduled'])).map((r) => r.text)).toEqual(['call Ana']);
		const missed: Reminder[][] = [];
		await quiet.startReminders({ onFired: () => {}, onMissed: (m) => missed.push(m) });
		expect(missed.map((list) => list.map((r) => r.text))).toEqual([['call Ana']]);
		expect(await quiet.reminders.list(['scheduled'])).toEqual([]);
	});
});
