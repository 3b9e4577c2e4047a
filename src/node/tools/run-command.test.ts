import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { HearthError } from '$lib/types/errors';
import type { ToolContext, ToolResult } from '$lib/tools/types';
import { allowlisted, createRunCommandTool, runCommandPreApproved, showArgv } from './run-command';
import type { RunCommandOptions } from './run-command';

// Real processes on a real fixture project: npm, node and sh, no doubles.

let project: string;
let outside: string;

beforeAll(async () => {
	project = await realpath(await mkdtemp(path.join(tmpdir(), 'hearth-project-')));
	outside = await realpath(await mkdtemp(path.join(tmpdir(), 'hearth-outside-')));
	await writeFile(
		path.join(project, 'package.json'),
		JSON.stringify({ name: 'fixture', private: true, scripts: { test: 'node --test' } })
	);
	await mkdir(path.join(project, 'test'));
	await writeFile(
		path.join(project, 'test', 'math.test.js'),
		"const test = require('node:test');\nconst assert = require('node:assert');\n" +
			"test('adds', () => assert.equal(1 + 1, 2));\ntest('multiplies', () => assert.equal(17 * 23, 391));\n"
	);
});
afterAll(async () => {
	await rm(project, { recursive: true, force: true });
	await rm(outside, { recursive: true, force: true });
});

/** True once `pid` has ended: no such process, or a zombie waiting for a parent to reap it. */
async function gone(pid: number): Promise<boolean> {
	for (let tries = 0; tries < 100; tries++) {
		const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
		if (stat === '' || /\) Z /.test(stat)) return true;
		await new Promise((r) => setTimeout(r, 20));
	}
	return false;
}

function tool(overrides: Partial<RunCommandOptions> = {}) {
	return createRunCommandTool({
		defaultCwd: project,
		allowedFolders: [],
		timeoutMs: 60_000,
		maxOutputChars: 64 * 1024,
		...overrides
	});
}

function context(signal = new AbortController().signal) {
	const streamed: string[] = [];
	const ctx: ToolContext = {
		signal,
		net: () => Promise.reject(new Error('no network in these tests')),
		settings: DEFAULT_SETTINGS,
		onOutput: (text) => streamed.push(text),
		onProgress: () => {},
		ask: async () => false,
		attachments: []
	};
	return { ctx, streamed };
}

async function failure(run: Promise<ToolResult>): Promise<HearthError> {
	const error = await run.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(HearthError);
	return error as HearthError;
}

describe('run_command', () => {
	it('is a side-effect tool that shows the exact command and folder before it runs', () => {
		const t = tool();
		expect(t.sideEffect).toBe(true);
		expect(t.describe({ argv: ['npm', 'test'] })).toBe(`Run \`npm test\` in ${project}`);
		expect(t.describe({ argv: ['git', 'commit', '-m', "it's done"], cwd: 'sub' })).toBe(
			`Run \`git commit -m 'it'\\''s done'\` in ${path.join(project, 'sub')}`
		);
	});

	it('runs "my tests" in the project folder, streaming output, with the exit code', async () => {
		const { ctx, streamed } = context();
		const result = await tool().run({ argv: ['npm', 'test'] }, ctx);
		expect(result.content).toMatch(/^\$ npm test\n\(in .*hearth-project-/);
		expect(result.content).toContain('It exited with code 0 (success).');
		expect(result.content).toMatch(/# pass 2/);
		expect(streamed.join('')).toMatch(/# pass 2/);
		expect(result.untrusted).toBe(true);
		expect(result.preview).toMatch(/^exit 0 · /);
	}, 60_000);

	it('reports a failing command as a result the model can read, not a crash', async () => {
		const { ctx } = context();
		const result = await tool().run(
			{ argv: ['node', '-e', 'console.error("boom"); process.exit(3)'] },
			ctx
		);
		expect(result.content).toContain('It exited with code 3 (failure).');
		expect(result.content).toContain('boom');
	});

	it('kills a command that hangs at the time limit, with everything it started', async () => {
		const { ctx } = context();
		// The shell starts a grandchild that would outlive a kill of the shell alone.
		const result = await tool({ timeoutMs: 1000 }).run(
			{ argv: ['sh', '-c', 'sleep 300 & echo "child $!"; wait'] },
			ctx
		);
		expect(result.content).toContain('stopped at the time limit (1 s)');
		const pid = Number(/child (\d+)/.exec(result.content)?.[1]);
		expect(pid).toBeGreaterThan(0);
		expect(await gone(pid)).toBe(true);
		expect(result.preview).toMatch(/^timed out/);
	}, 30_000);

	it('keeps the head and tail of 10 MB of output and does not stall', async () => {
		const { ctx, streamed } = context();
		const result = await tool({ maxOutputChars: 10_000 }).run(
			{
				argv: [
					'node',
					'-e',
					"process.stdout.write('START' + 'x'.repeat(10 * 1024 * 1024) + 'END\\n')"
				]
			},
			ctx
		);
		expect(result.content).toContain('It exited with code 0');
		expect(result.content).toContain('START');
		expect(result.content).toContain('END');
		expect(result.content).toMatch(/\[… \d+ characters left out …\]/);
		expect(result.content.length).toBeLessThan(11_000);
		const shown = streamed.join('');
		expect(shown.length).toBeLessThan(10_100);
		expect(shown).toContain('output continues, not shown');
	}, 60_000);

	it('explains a program that does not exist', async () => {
		const { ctx } = context();
		const error = await failure(tool().run({ argv: ['hearth-no-such-program', '--help'] }, ctx));
		expect(error.code).toBe('file_not_found');
		expect(error.message).toContain('"hearth-no-such-program"');
	});

	it('stops at once when cancelled mid-run, killing the process', async () => {
		const controller = new AbortController();
		const { ctx, streamed } = context(controller.signal);
		const run = tool().run(
			{ argv: ['node', '-e', "console.log('started'); setInterval(() => {}, 1000)"] },
			ctx
		);
		while (!streamed.join('').includes('started')) await new Promise((r) => setTimeout(r, 20));
		const at = performance.now();
		controller.abort();
		const error = await failure(run);
		expect(error.code).toBe('aborted');
		expect(performance.now() - at).toBeLessThan(5000);
	}, 30_000);

	it('runs only in the starting folder or an allowed one', async () => {
		const { ctx } = context();
		const refused = await failure(tool().run({ argv: ['ls'], cwd: outside }, ctx));
		expect(refused.code).toBe('path_rejected');
		expect((await failure(tool().run({ argv: ['ls'], cwd: '../..' }, ctx))).code).toBe(
			'path_rejected'
		);
		const ok = await tool({ allowedFolders: [outside] }).run({ argv: ['pwd'], cwd: outside }, ctx);
		expect(ok.content).toContain(outside);
	});

	it('validates argv: a list with the program first, no NUL', () => {
		const t = tool();
		const parse = (args: unknown) => t.schema['~standard'].validate(args);
		expect(parse({ argv: [] })).toMatchObject({ issues: [expect.anything()] });
		expect(parse({ argv: 'npm test' })).toMatchObject({ issues: [expect.anything()] });
		expect(parse({ argv: ['echo', 'a\0b'] })).toMatchObject({ issues: [expect.anything()] });
	});
});

describe('the run_command allowlist', () => {
	const allow = [
		{ argv: ['npm', 'test'], prefix: false },
		{ argv: ['git', 'status'], prefix: true }
	];

	it('matches the exact argv or a declared prefix, never a substring of a command line', () => {
		expect(allowlisted(['npm', 'test'], allow)).toBe(true);
		expect(allowlisted(['npm', 'test', '--', '--watch'], allow)).toBe(false);
		expect(allowlisted(['git', 'status', '--short'], allow)).toBe(true);
		expect(allowlisted(['git'], allow)).toBe(false);
		expect(allowlisted(['npm test'], allow)).toBe(false);
		expect(allowlisted(['sh', '-c', 'npm test'], allow)).toBe(false);
		expect(allowlisted(['npm', 'test', '&&', 'rm', '-rf', '/'], allow)).toBe(false);
	});

	it('asks before rm -rf style commands that are not on it, and always once untrusted text came in', () => {
		const call = (argv: string[], tainted = false) =>
			runCommandPreApproved({ name: 'run_command', args: { argv }, tainted }, allow, project);
		expect(call(['npm', 'test'])).toBe(true);
		expect(call(['rm', '-rf', '/'])).toBe(false);
		expect(call(['rm', '-rf', project])).toBe(false);
		expect(call(['git', 'status'], true)).toBe(false);
		expect(
			runCommandPreApproved({ name: 'write_file', args: { argv: ['npm', 'test'] } }, allow, project)
		).toBe(false);
		expect(runCommandPreApproved({ name: 'run_command', args: 'npm test' }, allow, project)).toBe(
			false
		);
	});

	it('can tie an entry to a folder', () => {
		const here = [{ argv: ['make'], prefix: false, cwd: project }];
		expect(allowlisted(['make'], here, project)).toBe(true);
		expect(allowlisted(['make'], here, outside)).toBe(false);
	});

	it('shows argv the way a shell user would type it', () => {
		expect(showArgv(['echo', 'a b', "it's", '$HOME'])).toBe(`echo 'a b' 'it'\\''s' '$HOME'`);
	});
});
