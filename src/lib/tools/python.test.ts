import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import {
	createRunPythonTool,
	formatPythonResult,
	MAX_STREAM_CHARS,
	previewPythonResult,
	pythonCodeFetch
} from '$lib/tools/python';
import { failureOf, recordingContext, useFixture } from '$lib/net/test-context';
import { createNetFetch } from '$lib/net/ledger';
import { freshDb } from '$lib/storage/test-db';
import type { Settings } from '$lib/types/settings';
import { PLAIN_TEXT, startPageFixture } from '../../../tests/fixtures/page-fixture.js';
import type { PythonRunner } from '$lib/tools/python';
import type { PythonRunResult } from '$lib/protocol/python';
import type { PythonRunOptions } from '$lib/python/sandbox';
import type { ToolContext } from '$lib/tools/types';
import type { NetPurpose } from '$lib/net/types';
import { DEFAULT_SETTINGS } from '$lib/types/settings';

// The sandbox itself is tested against real Pyodide in src/lib/python; here a recording runner
// shows what the tool hands it and how results read for the model.

const failed: PythonRunResult = {
	stdout: 'before\n',
	stderr: '',
	error: {
		type: 'ZeroDivisionError',
		message: 'division by zero',
		traceback:
			'Traceback (most recent call last):\n  File "<cell>", line 2, in <module>\nZeroDivisionError: division by zero\n'
	},
	images: [],
	durationMs: 12
};

function context(overrides: Partial<ToolContext> = {}) {
	const asked: string[] = [];
	const net: { url: string; meta: NetPurpose }[] = [];
	const output: string[] = [];
	const ctx: ToolContext = {
		signal: new AbortController().signal,
		net: async (url, _init, meta) => {
			net.push({ url, meta });
			return new Response('ok');
		},
		settings: { ...DEFAULT_SETTINGS, pythonTimeoutSeconds: 7 },
		onOutput: (text) => output.push(text),
		onProgress: () => undefined,
		ask: async (question) => {
			asked.push(question);
			return true;
		},
		attachments: [],
		...overrides
	};
	return { ctx, asked, net, output };
}

function recorder(result: PythonRunResult, act?: (options: PythonRunOptions) => Promise<void>) {
	const calls: { code: string; options: PythonRunOptions }[] = [];
	const runner: PythonRunner = {
		async run(code, options) {
			calls.push({ code, options });
			await act?.(options);
			return result;
		}
	};
	return { runner, calls };
}

describe('run_python', () => {
	it('returns an exception as the result the model reads, traceback included', async () => {
		const { runner } = recorder(failed);
		const tool = createRunPythonTool(runner);
		const { ctx } = context();
		const out = await tool.run({ code: 'print("before")\n1/0' }, ctx);
		expect(out.content).toContain('stdout:\nbefore');
		expect(out.content).toContain('The code raised ZeroDivisionError:');
		expect(out.content).toContain('File "<cell>", line 2');
		expect(out.preview).toBe('ZeroDivisionError: division by zero');
		expect(out.untrusted).toBe(false);
	});

	it('passes the settings, attachments and signal to the sandbox and streams output', async () => {
		const { runner, calls } = recorder(
			{
				stdout: 'hi\n',
				stderr: '',
				result: '42',
				images: ['data:image/png;base64,AA=='],
				durationMs: 5
			},
			async (options) => options.onOutput?.('hi\n', 'stdout')
		);
		const attachments = [{ name: 'a.csv', type: 'text/csv', data: new Blob(['x']) }];
		const { ctx, output } = context({ attachments });
		const out = await createRunPythonTool(runner).run({ code: 'x' }, ctx);
		const options = calls[0]?.options;
		expect(options?.timeoutMs).toBe(7000);
		expect(options?.attachments).toBe(attachments);
		expect(options?.signal).toBe(ctx.signal);
		expect(options?.allowNetwork).toBe(false);
		expect(options?.packagesUrl).toBe(DEFAULT_SETTINGS.pythonPackagesUrl);
		expect(output).toEqual(['hi\n']);
		expect(out.images).toEqual(['data:image/png;base64,AA==']);
		expect(out.content).toContain('result: 42');
		expect(out.content).toContain('1 figure shown to the user.');
		expect(out.untrusted).toBe(true);
	});

	it('asks the user before packages are fetched and fetches through the ledger as run_python', async () => {
		const { runner } = recorder(failed, async (options) => {
			expect(await options.confirmPackages?.(['numpy'], 'cdn.jsdelivr.net')).toBe(true);
			await options.fetch?.(
				'https://cdn.jsdelivr.net/x.whl',
				{},
				'Python package: x.whl',
				'package'
			);
		});
		const { ctx, asked, net } = context();
		await createRunPythonTool(runner).run({ code: 'import numpy' }, ctx);
		expect(asked).toHaveLength(1);
		expect(asked[0]).toContain('numpy');
		expect(asked[0]).toContain('cdn.jsdelivr.net');
		expect(net).toEqual([
			{
				url: 'https://cdn.jsdelivr.net/x.whl',
				meta: { purpose: 'Python package: x.whl', tool: 'run_python' }
			}
		]);
	});

	it('says it uses the network only while the setting allows it', () => {
		let allowed = false;
		const tool = createRunPythonTool(recorder(failed).runner, () => allowed);
		expect(tool.network).toBe(false);
		allowed = true;
		expect(tool.network).toBe(true);
		expect(tool.sideEffect).toBe(false);
		expect(tool.defaultEnabled).toBe(true);
	});

	it('validates its arguments with the schema', () => {
		const tool = createRunPythonTool(recorder(failed).runner);
		expect(v.safeParse(tool.schema, { code: '' }).success).toBe(false);
		expect(v.safeParse(tool.schema, { code: 'print(1)' }).success).toBe(true);
	});
});

describe('formatPythonResult', () => {
	it('keeps the head and tail of long output', () => {
		const long = `${'a'.repeat(MAX_STREAM_CHARS)}${'b'.repeat(100)}END`;
		const text = formatPythonResult({ stdout: long, stderr: '', images: [], durationMs: 1 });
		expect(text.length).toBeLessThan(MAX_STREAM_CHARS + 100);
		expect(text).toContain('characters left out');
		expect(text.endsWith('END')).toBe(true);
	});

	it('says so when nothing was printed', () => {
		const empty = { stdout: '', stderr: '', images: [], durationMs: 1500 };
		expect(formatPythonResult(empty)).toBe('The code ran and printed nothing.');
		expect(previewPythonResult(empty)).toBe('Ran in 1.5 s');
	});
});

describe("run_python's own requests (network allowed)", () => {
	const site = useFixture(() => startPageFixture());
	const PUBLIC = 'http://pages.test';
	const ctxFor = (settings: Partial<Settings> = {}) =>
		recordingContext(settings, { hosts: { [PUBLIC]: site().url } });

	it('refuse the addresses every fetching tool refuses, before any request', async () => {
		for (const url of [
			'http://127.0.0.1:11434/api/tags',
			'http://localhost:11434/api/tags',
			'http://169.254.169.254/latest/meta-data/',
			'http://192.168.1.1/admin',
			'http://[::ffff:7f00:1]/',
			'http://[64:ff9b:1::a00:1]/',
			'file:///etc/passwd'
		]) {
			const { ctx, calls } = ctxFor();
			const error = await failureOf(pythonCodeFetch(ctx, url, {}, 'Python code: x'));
			expect(['network_blocked', 'tool_invalid_args'], url).toContain(error.code);
			expect(calls, url).toEqual([]);
		}
	});

	it('are refused while Offline only is on, and recorded in the ledger as blocked', async () => {
		const db = freshDb();
		let sent = 0;
		const net = createNetFetch({
			db,
			offlineOnly: () => true,
			fetch: async () => {
				sent++;
				return new Response('');
			}
		});
		const { ctx } = recordingContext({}, { net });
		const error = await failureOf(
			pythonCodeFetch(ctx, 'https://example.org/', {}, 'Python code: x')
		);
		expect(error.code).toBe('network_blocked');
		expect(sent).toBe(0);
		await net.idle();
		expect(await db.ledger.toArray()).toEqual([
			expect.objectContaining({ tool: 'run_python', outcome: 'blocked' })
		]);
	});

	it('reach a host the user allowed, through the ledger as run_python', async () => {
		const { ctx, calls } = ctxFor({ allowedPrivateHosts: [new URL(site().url).host] });
		const response = await pythonCodeFetch(ctx, `${site().url}/plain.txt`, {}, 'Python code: x');
		expect(await response.text()).toBe(PLAIN_TEXT);
		expect(calls[0]).toMatchObject({ tool: 'run_python', purpose: 'Python code: x' });
	});

	it('follow a GET redirect only while every hop is allowed', async () => {
		const { ctx } = ctxFor();
		const ok = await pythonCodeFetch(ctx, `${PUBLIC}/redirect-article`, {}, 'Python code: x');
		expect(ok.status).toBe(200);
		const error = await failureOf(
			pythonCodeFetch(ctx, `${PUBLIC}/redirect-loopback`, {}, 'Python code: x')
		);
		expect(error.code).toBe('network_blocked');
	});

	it('send any other method once and refuse its redirect', async () => {
		const { ctx, calls } = ctxFor();
		const error = await failureOf(
			pythonCodeFetch(ctx, `${PUBLIC}/redirect-article`, { method: 'POST', body: 'x' }, 'p')
		);
		expect(error.code).toBe('network_blocked');
		expect(calls).toHaveLength(1);
		expect(calls[0]?.init.redirect).toBe('manual');
	});

	it('are what the tool hands the sandbox for code, while packages go straight to the ledger', async () => {
		const { runner, calls } = recorder(failed);
		const { ctx } = context({ settings: { ...DEFAULT_SETTINGS, pythonNetwork: true } });
		await createRunPythonTool(runner, () => true).run({ code: 'x' }, ctx);
		const fetch = calls[0]?.options.fetch;
		const error = await failureOf(fetch!('http://127.0.0.1:8080/', {}, 'Python code: x', 'code'));
		expect(error.code).toBe('network_blocked');
	});

	it('after untrusted text: the run is marked tainted and its output untrusted', async () => {
		const clean = { stdout: '4\n', stderr: '', images: [], durationMs: 1 };
		const { runner, calls } = recorder(clean);
		const { ctx } = context({ untrusted: ['fetch_page https://example.org/'] });
		const out = await createRunPythonTool(runner).run({ code: 'print(2+2)' }, ctx);
		expect(calls[0]?.options.tainted).toBe(true);
		expect(out.untrusted).toBe(true);
		const plain = await createRunPythonTool(recorder(clean).runner).run(
			{ code: 'print(2+2)' },
			context().ctx
		);
		expect(plain.untrusted).toBe(false);
	});

	it('warns in its confirmation that network is on', () => {
		const tool = createRunPythonTool(recorder(failed).runner, () => true);
		expect(tool.describe({ code: 'x' })).toMatch(/could send what it reads/);
		expect(createRunPythonTool(recorder(failed).runner).describe({ code: 'x' })).not.toMatch(
			/network/i
		);
	});
});
