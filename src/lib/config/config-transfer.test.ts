import { describe, expect, it } from 'vitest';
import {
	importConfigYaml,
	MAX_CONFIG_BYTES,
	settingsAsConfigYaml
} from '$lib/config/config-transfer';
import { DEFAULT_SETTINGS, type Settings } from '$lib/types/settings';

const mine: Settings = {
	...DEFAULT_SETTINGS,
	engine: 'ollama',
	model: 'qwen2.5:7b',
	temperature: 0.3,
	maxTokens: 900,
	toolsEnabled: { ...DEFAULT_SETTINGS.toolsEnabled, run_python: false }
};

describe('config.yaml in the web app', () => {
	it('round-trips the settings through the exported file', () => {
		const text = settingsAsConfigYaml(mine);
		expect(text).toContain('temperature: 0.3');
		expect(text).toContain('code_execution: false');
		const back = importConfigYaml(text, DEFAULT_SETTINGS, 'config.yaml');
		if (!back.ok) throw new Error(back.message);
		expect(back.settings.engine).toBe('ollama');
		expect(back.settings.model).toBe('qwen2.5:7b');
		expect(back.settings.temperature).toBe(0.3);
		expect(back.settings.maxTokens).toBe(900);
		expect(back.settings.toolsEnabled.run_python).toBe(false);
		expect(back.changed).toEqual(
			expect.arrayContaining(['engine', 'model', 'temperature', 'maxTokens', 'toolsEnabled'])
		);
	});

	it('imports a partial file over the current settings and names only what changed', () => {
		const result = importConfigYaml('ai:\n  temperature: 1.1\n', mine, 'config.yaml');
		if (!result.ok) throw new Error(result.message);
		expect(result.changed).toEqual(['temperature']);
		expect(result.settings.model).toBe('qwen2.5:7b');
	});

	it('names every problem with its line and changes nothing', () => {
		const text = 'ai:\n  temperature: 9\nfeatures:\n  web_serch: true\n';
		const result = importConfigYaml(text, mine, 'mine.yaml');
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.message).toMatch(/^mine\.yaml:2:16: ai\.temperature /m);
		expect(result.message).toMatch(/^mine\.yaml:4:3: features\.web_serch is not a setting/m);
		expect(result.message).toMatch(/Nothing was changed\.$/);
	});

	it('refuses YAML syntax errors, binary files and huge files with a sentence', () => {
		const syntax = importConfigYaml('ai: [unclosed\n', mine, 'c.yaml');
		expect(syntax.ok).toBe(false);
		expect(!syntax.ok && syntax.message).toMatch(/^c\.yaml:\d+:\d+: /);
		const binary = importConfigYaml('GGUF\u0000\u0003', mine, 'model.gguf');
		expect(!binary.ok && binary.message).toBe(
			'model.gguf is not a text file. Nothing was changed.'
		);
		const huge = importConfigYaml('#'.repeat(MAX_CONFIG_BYTES + 1), mine, 'big.yaml');
		expect(!huge.ok && huge.message).toMatch(
			/^big\.yaml is over 256 KB; a config file is a few KB/
		);
	});
});
