// `hearth` as a real process (node bin/hearth.js with piped stdin/stdout), for the tests that
// drive the terminal the way a shell or a script does.
import { spawn } from 'node:child_process';
import path from 'node:path';

export const HEARTH_BIN = path.join(process.cwd(), 'bin/hearth.js');

export interface HearthRun {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

export interface HearthRunOptions {
	/** The working folder; HOME and HEARTH_HOME are the test's to set in `env`. */
	cwd: string;
	/** The whole environment besides PATH: nothing of the test runner's own leaks in. */
	env: Record<string, string>;
	/** Piped to stdin, which is then closed (empty by default: no prompt waits forever). */
	input?: string | Buffer;
}

/** Runs `hearth …args` to its exit and returns what it printed. */
export function runHearth(args: string[], options: HearthRunOptions): Promise<HearthRun> {
	const child = spawn(process.execPath, [HEARTH_BIN, ...args], {
		cwd: options.cwd,
		env: { PATH: process.env.PATH ?? '', ...options.env },
		stdio: ['pipe', 'pipe', 'pipe']
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
	child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
	child.stdin.on('error', () => {}); // a process that exits before reading all of a huge input
	child.stdin.end(options.input ?? '');
	return new Promise((resolve) =>
		child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
	);
}
