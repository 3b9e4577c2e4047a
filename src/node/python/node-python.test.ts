// run_python in the terminal: real Python (Pyodide from node_modules) in the real child process,
// bundled as the CLI bundles it, behind the web app's PythonSandbox and run_python tool.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRunPythonTool } from '$lib/tools/python';
import type { PythonSandbox } from '$lib/python/sandbox';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import type { ToolContext } from '$lib/tools/types';
import { buildCli } from '../../../scripts/build-cli.js';
import { createNodePythonSandbox } from './node-python';

// A cold Pyodide start is 8–12 s on two busy cores; a timed-out run restarts it.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const ROOT = process.cwd();
let sandbox: PythonSandbox;

beforeAll(async () => {
	await buildCli();
	sandbox = createNodePythonSandbox({
		childScript: path.join(ROOT, '.hearth-cli', 'python-child.mjs'),
		packageRoot: ROOT,
		readyTimeoutMs: 30_000
	});
});

afterAll(() => sandbox?.dispose());

describe('Python in the terminal (Pyodide in a locked-down child process)', () => {
	it('runs real Python: output streams, the last expression comes back', async () => {
		const streamed: string[] = [];
		const result = await sandbox.run('import math\nprint("hello", 6 * 7)\nmath.factorial(20)', {
			onOutput: (text) => streamed.push(text)
		});
		expect(result.stdout).toBe('hello 42\n');
		expect(result.result).toBe('2432902008176640000');
		expect(result.error).toBeUndefined();
		expect(streamed.join('')).toContain('hello 42');
	});

	it('returns an exception as data, with its traceback', async () => {
		const result = await sandbox.run('def f(x):\n    return 1 / x\n\nf(0)');
		expect(result.error).toMatchObject({ type: 'ZeroDivisionError', message: 'division by zero' });
		expect(result.error?.traceback).toContain('line 2, in f');
	});

	it('reaches neither the network nor the machine', async () => {
		const result = await sandbox.run(
			[
				'import js, pyodide_js',
				'out = {}',
				'for name in ["fetch", "process", "require", "Buffer", "XMLHttpRequest", "WebSocket"]:',
				'    out[name] = hasattr(js, name)',
				'try:',
				'    js.Function("return 1")()',
				'    out["eval"] = "ran"',
				'except Exception as e:',
				'    out["eval"] = type(e).__name__',
				'FS = pyodide_js.FS',
				'try:',
				'    FS.mkdir("/host")',
				'    FS.mount(FS.filesystems.NODEFS, {"root": "/etc"}, "/host")',
				'    out["host_fs"] = open("/host/hostname").read()',
				'except Exception as e:',
				'    out["host_fs"] = "refused"',
				'try:',
				'    open("/etc/hostname").read()',
				'    out["etc"] = "read"',
				'except Exception as e:',
				'    out["etc"] = type(e).__name__',
				'out'
			].join('\n')
		);
		expect(result.error).toBeUndefined();
		const seen = result.result ?? '';
		for (const name of ['fetch', 'process', 'require', 'Buffer', 'XMLHttpRequest', 'WebSocket']) {
			expect(seen).toContain(`'${name}': False`);
		}
		expect(seen).toContain("'eval': 'JsException'");
		expect(seen).toContain("'host_fs': 'refused'");
		expect(seen).toContain("'etc': 'FileNotFoundError'");
	});

	it('mounts attached files read-only under /data', async () => {
		const result = await sandbox.run(
			[
				'print(open("/data/notes.txt").read())',
				'try:',
				'    open("/data/notes.txt", "w").write("changed")',
				'except OSError as e:',
				'    print("refused", e.errno)'
			].join('\n'),
			{ attachments: [{ name: 'notes.txt', data: new Blob(['seventeen times twenty-three']) }] }
		);
		expect(result.stdout).toContain('seventeen times twenty-three');
		expect(result.stdout).toMatch(/refused \d+/);
	});

	it('stops code that runs past the time limit, and the next run gets a fresh interpreter', async () => {
		await sandbox.run('leftover = 1');
		await expect(sandbox.run('while True:\n    pass', { timeoutMs: 1500 })).rejects.toMatchObject({
			code: 'python_timeout'
		});
		const after = await sandbox.run('"leftover" in globals()');
		expect(after.result).toBe('False');
	});

	it('is the run_python tool: the web contract, the result as the model reads it', async () => {
		const tool = createRunPythonTool(sandbox, () => false);
		const output: string[] = [];
		const ctx = {
			settings: { ...DEFAULT_SETTINGS, pythonTimeoutSeconds: 30 },
			signal: new AbortController().signal,
			attachments: [],
			untrusted: [],
			onOutput: (text: string) => output.push(text),
			onProgress: () => undefined,
			ask: async () => false
		} as unknown as ToolContext;
		const result = await tool.run({ code: 'print(17 * 23)' }, ctx);
		expect(result.content).toContain('stdout:\n391');
		expect(tool.network).toBe(false);
	});
});
