import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '$lib/config/config-settings';
import { HearthError } from '$lib/types/errors';
import { applyEnvironment, loadConfig, ollamaUrlFromHost, saveConfig } from './config-file';
import { hearthPaths } from './paths';

let home: string;
beforeEach(async () => {
	home = await mkdtemp(path.join(tmpdir(), 'hearth-config-'));
});
afterEach(async () => {
	await rm(home, { recursive: true, force: true });
});

describe('hearthPaths', () => {
	it('follows XDG, falls back to ~/.local/share and ~/.config, and ignores relative values', () => {
		expect(hearthPaths({}, '/home/ada')).toMatchObject({
			dataDir: '/home/ada/.local/share/hearth',
			configFile: '/home/ada/.config/hearth/config.yaml',
			databaseFile: '/home/ada/.local/share/hearth/hearth.db'
		});
		expect(hearthPaths({ XDG_DATA_HOME: '/d', XDG_CONFIG_HOME: '/c' }, '/home/ada')).toMatchObject({
			dataDir: '/d/hearth',
			configDir: '/c/hearth'
		});
		expect(hearthPaths({ XDG_DATA_HOME: 'rel' }, '/home/ada').dataDir).toBe(
			'/home/ada/.local/share/hearth'
		);
	});

	it('puts everything in HEARTH_HOME when it is set', () => {
		expect(hearthPaths({ HEARTH_HOME: '/tmp/h', XDG_DATA_HOME: '/d' }, '/x')).toMatchObject({
			dataDir: '/tmp/h',
			configFile: '/tmp/h/config.yaml',
			modelsDir: '/tmp/h/models'
		});
	});
});

describe('the environment', () => {
	it('reads OLLAMA_HOST the way Ollama does', () => {
		expect(ollamaUrlFromHost('0.0.0.0')).toBe('http://127.0.0.1:11434');
		expect(ollamaUrlFromHost('192.168.1.9:8000')).toBe('http://192.168.1.9:8000');
		expect(ollamaUrlFromHost('https://ollama.lan')).toBe('https://ollama.lan:11434');
		// An explicit default port is the same address.
		expect(ollamaUrlFromHost('http://localhost:80/')).toBe('http://localhost');
	});

	it('lets OLLAMA_HOST, OPENAI_BASE_URL and OPENAI_API_KEY win over the file, naming them', () => {
		const { config, applied } = applyEnvironment(defaultConfig(), {
			OLLAMA_HOST: '10.0.0.2:11434',
			OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1',
			OPENAI_API_KEY: 'sk-test'
		});
		expect(config.engines.ollama.url).toBe('http://10.0.0.2:11434');
		expect(config.engines.openai).toMatchObject({
			url: 'http://127.0.0.1:8080/v1',
			api_key: 'sk-test'
		});
		expect(applied).toEqual(['OLLAMA_HOST', 'OPENAI_BASE_URL', 'OPENAI_API_KEY']);
	});
});

describe('config.yaml on disk', () => {
	it('uses the defaults when there is no file', async () => {
		const loaded = await loadConfig(path.join(home, 'none', 'config.yaml'), {});
		expect(loaded).toMatchObject({ exists: false, fromEnvironment: [] });
		expect(loaded.effective).toEqual(defaultConfig());
	});

	it('throws import_invalid with every problem and its line', async () => {
		const file = path.join(home, 'config.yaml');
		await writeFile(file, 'ai:\n  temperature: 9\nmemory:\n  max_history: -1\n');
		const error = await loadConfig(file, {}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(HearthError);
		expect((error as HearthError).code).toBe('import_invalid');
		expect((error as HearthError).message).toBe(
			[
				'config.yaml:2:16: ai.temperature must be a number between 0 and 2',
				'config.yaml:4:16: memory.max_history must be a whole number between 0 and 10000000'
			].join('\n')
		);
	});

	it('saves whole, owner-only, in an owner-only folder, and reads back the same', async () => {
		const file = path.join(home, 'deeper', 'hearth', 'config.yaml');
		const config = defaultConfig();
		config.ai.model = '/models/stories260K.gguf';
		config.engines.openai.api_key = 'sk-secret';
		config.commands.allow = [{ argv: ['npm', 'test'], prefix: false }];
		await saveConfig(file, config);
		expect((await stat(file)).mode & 0o777).toBe(0o600);
		expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
		const loaded = await loadConfig(file, { OPENAI_API_KEY: 'sk-from-env' });
		expect(loaded.file).toEqual(config);
		expect(loaded.effective.engines.openai.api_key).toBe('sk-from-env');
		// The environment's key is never written back.
		await saveConfig(file, loaded.file);
		expect(await readFile(file, 'utf8')).not.toContain('sk-from-env');
	});
});
