import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { BUILT_IN_AGENTS } from '$lib/agent/agents';
import { createFolderAccess } from '$lib/files/access';
import { memoryJournal } from '$lib/files/plan/journal';
import { dexieReminderRows, ReminderStore } from '$lib/reminders/store';
import { freshDb } from '$lib/storage/test-db';
import { createToolRegistry } from '$lib/tools/all-tools';
import { toolSpec } from '$lib/tools/registry';
import type { AnyTool } from '$lib/tools/types';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

/** The knowledge issue's tools, which plug in through `extra` (memory, recall, documents). */
const HOOKED = ['remember', 'forget', 'recall_conversations', 'search_knowledge'];

function registry(extra: AnyTool[] = []) {
	return createToolRegistry({
		now: () => Date.now(),
		reminders: {
			store: new ReminderStore(dexieReminderRows(freshDb())),
			notifier: { permission: () => 'unsupported', requestPermission: async () => 'unsupported' }
		},
		folders: createFolderAccess({ list: async () => [], scratch: async () => null }),
		planJournal: memoryJournal(),
		python: { run: async () => ({ stdout: '', stderr: '', images: [], durationMs: 0 }) },
		pythonNetwork: () => false,
		extra
	});
}

describe('the tool registry Hearth ships', () => {
	it('has every tool the built-in agents name, except the knowledge hooks', () => {
		const names = new Set(registry().tools.map((t) => t.name));
		const missing = BUILT_IN_AGENTS.flatMap((a) => a.tools).filter((t) => !names.has(t));
		expect([...new Set(missing)].sort()).toEqual([...HOOKED].sort());
	});

	it('takes the knowledge tools through its hook', () => {
		const stub = (name: string): AnyTool => ({
			name,
			title: name,
			description: name,
			schema: v.object({}),
			sideEffect: false,
			network: false,
			defaultEnabled: true,
			timeoutMs: 1000,
			describe: () => name,
			run: async () => ({ content: '', preview: '', untrusted: false })
		});
		const names = registry(HOOKED.map(stub)).tools.map((t) => t.name);
		expect(names).toEqual(expect.arrayContaining(HOOKED));
	});

	it('gives every tool a JSON Schema a model and a grammar compiler can take', () => {
		for (const tool of registry().tools) {
			const spec = toolSpec(tool);
			expect(spec.parameters.type, tool.name).toBe('object');
			expect(JSON.parse(JSON.stringify(spec.parameters))).toEqual(spec.parameters);
			expect(tool.description.length, tool.name).toBeGreaterThan(20);
		}
	});

	it('starts with web search and Python on and file writes off until a folder is writable', () => {
		const r = registry();
		const on = (hasWritableFolder: boolean) =>
			r.enabled(DEFAULT_SETTINGS, { hasWritableFolder }).map((t) => t.name);
		expect(on(false)).toEqual(expect.arrayContaining(['web_search', 'run_python']));
		expect(on(false)).not.toContain('write_file');
		expect(on(false)).not.toContain('create_file');
		expect(on(true)).toEqual(expect.arrayContaining(['write_file', 'create_file']));
	});
});
