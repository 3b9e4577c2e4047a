import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { createRegistry, toolSpec } from '$lib/tools/registry';
import { addTool, fileTools, webTools } from '$lib/agent/test-tools';
import type { AnyTool } from '$lib/tools/types';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

const { search, fetchPage } = webTools({});
const { writeFile } = fileTools();
const python: AnyTool = { ...addTool, name: 'run_python', defaultEnabled: false };

describe('createRegistry', () => {
	const registry = createRegistry([addTool, search, fetchPage, writeFile, python]);

	it('describes tools with JSON Schema parameters, without the $schema line', () => {
		const [spec] = registry.specs(['web_search']);
		expect(spec).toEqual({
			name: 'web_search',
			description: 'Searches the web.',
			parameters: {
				type: 'object',
				properties: { query: { type: 'string', minLength: 1 } },
				required: ['query']
			}
		});
	});

	it('keeps argument descriptions for the model', () => {
		const described: AnyTool = {
			...addTool,
			name: 'described',
			schema: v.object({ q: v.pipe(v.string(), v.description('What to look up')) })
		};
		expect(toolSpec(described).parameters).toMatchObject({
			properties: { q: { type: 'string', description: 'What to look up' } }
		});
	});

	it('converts each schema once', () => {
		expect(toolSpec(addTool)).toBe(toolSpec(addTool));
		expect(registry.specs(['add'])[0]).toBe(registry.specs()[0]);
	});

	it('lists specs in the order asked, skipping unknown names', () => {
		expect(registry.specs(['fetch_page', 'nope', 'add']).map((s) => s.name)).toEqual([
			'fetch_page',
			'add'
		]);
	});

	it('finds tools by name', () => {
		expect(registry.get('add')).toBe(addTool);
		expect(registry.get('nope')).toBeUndefined();
	});

	it('enables tools by the user’s choice, else the tool’s default', () => {
		const names = (toolsEnabled: Partial<Record<string, boolean>>, hasWritableFolder: boolean) =>
			registry
				.enabled({ ...DEFAULT_SETTINGS, toolsEnabled }, { hasWritableFolder })
				.map((t) => t.name);
		expect(names({}, false)).toEqual(['add', 'web_search', 'fetch_page']);
		expect(names({}, true)).toEqual(['add', 'web_search', 'fetch_page', 'write_file']);
		expect(names({ web_search: false, run_python: true }, false)).toEqual([
			'add',
			'fetch_page',
			'run_python'
		]);
		// No folder, no file writes, whatever the switch says.
		expect(names({ write_file: true }, false)).not.toContain('write_file');
		expect(names({ write_file: false }, true)).not.toContain('write_file');
	});

	it('refuses two tools with one name', () => {
		expect(() => createRegistry([addTool, addTool])).toThrow(/Two tools are named "add"/);
	});
});
