import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import {
	createRunPythonTool,
	formatPythonResult,
	MAX_STREAM_CHARS,
	previewPythonResult
} from '$lib/tools/python';
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
			await options.fetch?.('https://cdn.jsdelivr.net/x.whl', {}, 'Python package: x.whl');
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
