import { describe, expect, it } from 'vitest';
import { defaultConfig, settingsFromConfig, configFromSettings } from '$lib/config/config-settings';
import { formatProblems, parseConfigYaml, stringifyConfigYaml } from '$lib/config/config-yaml';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

function problems(text: string) {
	const parsed = parseConfigYaml(text);
	if (parsed.ok) throw new Error('expected problems');
	return formatProblems('config.yaml', parsed.problems);
}

describe('parseConfigYaml', () => {
	it('reads the roadmap shape and fills in the rest from the defaults', () => {
		const parsed = parseConfigYaml(
			[
				'ai:',
				'  model: qwen2.5:1.5b',
				'  temperature: 0.2',
				'  max_tokens: 512',
				'voice:',
				'  rate: 1.5',
				'features:',
				'  web_search: false',
				'  code_execution: true',
				'  file_operations: false',
				'memory:',
				'  save_history: true',
				'  max_history: 500'
			].join('\n')
		);
		if (!parsed.ok) throw new Error(formatProblems('config.yaml', parsed.problems));
		const { config } = parsed;
		expect(config.ai).toMatchObject({ model: 'qwen2.5:1.5b', temperature: 0.2, max_tokens: 512 });
		expect(config.ai.top_p).toBe(DEFAULT_SETTINGS.topP);
		expect(config.voice.rate).toBe(1.5);
		expect(config.features).toMatchObject({ web_search: false, file_operations: false });
		expect(config.memory).toMatchObject({ save_history: true, max_history: 500 });
		expect(config.server).toMatchObject({ host: '127.0.0.1', allow_remote: false });
	});

	it('takes an empty file (or only comments) as the defaults', () => {
		expect(parseConfigYaml('')).toEqual({ ok: true, config: defaultConfig() });
		expect(parseConfigYaml('# nothing yet\n')).toEqual({ ok: true, config: defaultConfig() });
	});

	it('names the line, column and key of a value out of range', () => {
		const text = 'ai:\n  model: x\n\n\n\n\n  temperature: 3\n';
		expect(problems(text)).toBe(
			'config.yaml:7:16: ai.temperature must be a number between 0 and 2'
		);
	});

	it('reports every problem, each where it is', () => {
		const text = [
			'ai:',
			'  max_tokens: 1.5',
			'  engine: gpt',
			'features:',
			'  web_search: "yes"',
			'server:',
			'  port: 99999'
		].join('\n');
		expect(problems(text).split('\n')).toEqual([
			'config.yaml:2:15: ai.max_tokens must be a whole number between 1 and 131072',
			'config.yaml:3:11: ai.engine must be one of auto, llamacpp, ollama, openai',
			'config.yaml:5:15: features.web_search must be true or false',
			'config.yaml:7:9: server.port must be a whole number between 0 and 65535'
		]);
	});

	it('refuses an unknown key at the key, so a typo is not silently ignored', () => {
		expect(problems('ai:\n  temprature: 0.5\n')).toBe(
			'config.yaml:2:3: ai.temprature is not a setting Hearth knows (check its spelling and section)'
		);
		expect(problems('colour: blue\n')).toMatch(/^config\.yaml:1:1: colour is not a setting/);
	});

	it('reports YAML syntax errors with their position', () => {
		expect(problems('ai:\n  model: [unclosed\n')).toMatch(/^config\.yaml:\d+:\d+: /);
		expect(problems('ai:\n  model: a\n  model: b\n')).toMatch(/^config\.yaml:3:3: .*unique/i);
	});

	it('refuses a file that is not a mapping', () => {
		expect(problems('- just\n- a list\n')).toMatch(/^config\.yaml:1:1: /);
	});

	it('checks the run_command allowlist: argv lists, never a shell string', () => {
		const ok = parseConfigYaml(
			'commands:\n  allow:\n    - argv: [npm, test]\n    - argv: [git, status]\n      prefix: true\n'
		);
		expect(ok.ok && ok.config.commands.allow).toEqual([
			{ argv: ['npm', 'test'], prefix: false },
			{ argv: ['git', 'status'], prefix: true }
		]);
		expect(problems('commands:\n  allow:\n    - "npm test && rm -rf /"\n')).toMatch(
			/^config\.yaml:3:7: commands\.allow\.0 /
		);
		expect(problems('commands:\n  allow:\n    - argv: []\n')).toMatch(
			/^config\.yaml:3:13: commands\.allow\.0\.argv must name the program/
		);
	});
});

describe('config ⇄ settings', () => {
	it('maps the config onto the web app settings', () => {
		const parsed = parseConfigYaml(
			'ai:\n  engine: ollama\n  model: llama3.2\n  temperature: 0.1\nfeatures:\n  web_search: false\n'
		);
		if (!parsed.ok) throw new Error('parse failed');
		const settings = settingsFromConfig(parsed.config);
		expect(settings).toMatchObject({ engine: 'ollama', model: 'llama3.2', temperature: 0.1 });
		expect(settings.toolsEnabled).toMatchObject({ web_search: false, fetch_page: false });
		expect(settings.toolsEnabled.run_python).toBe(true);
	});

	it('round-trips settings through YAML text unchanged', () => {
		const settings = {
			...DEFAULT_SETTINGS,
			engine: 'openai' as const,
			openaiUrl: 'http://10.0.0.5:1234/v1',
			openaiModel: 'qwen',
			temperature: 1.3,
			maxTokens: 900,
			systemPrompt: 'Be brief.\nAlways.',
			toolsEnabled: { run_python: false },
			speechPitch: 0.5
		};
		const text = stringifyConfigYaml(configFromSettings(settings, {}));
		expect(text).toMatch(/^# Hearth configuration/);
		const parsed = parseConfigYaml(text);
		if (!parsed.ok) throw new Error(formatProblems('config.yaml', parsed.problems));
		const back = settingsFromConfig(parsed.config, DEFAULT_SETTINGS);
		expect(back).toMatchObject({
			engine: 'openai',
			openaiUrl: 'http://10.0.0.5:1234/v1',
			openaiModel: 'qwen',
			temperature: 1.3,
			maxTokens: 900,
			systemPrompt: 'Be brief.\nAlways.',
			speechPitch: 0.5
		});
		expect(back.toolsEnabled.run_python).toBe(false);
		expect(stringifyConfigYaml(parsed.config)).toBe(text);
	});
});
