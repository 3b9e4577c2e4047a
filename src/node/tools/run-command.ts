import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import * as v from 'valibot';
import type { AllowedCommandConfig } from '$lib/config/config-schema';
import type { Tool } from '$lib/tools/types';
import { HearthError, stopped } from '$lib/types/errors';
import type { ToolCallRecord } from '$lib/types/tools';

export const RUN_COMMAND = 'run_command';

/** After SIGTERM, how long a command gets to clean up before SIGKILL. */
const KILL_GRACE_MS = 2000;

const schema = v.object({
	argv: v.pipe(
		v.array(
			v.pipe(
				v.string(),
				v.check((s) => !s.includes('\0'), 'An argument cannot hold NUL.')
			)
		),
		v.minLength(1, 'Give the program to run, then its arguments.'),
		v.description(
			'The program and its arguments, one per item, e.g. ["npm", "test"] or ["git", "status", "--short"]. There is no shell: no pipes, redirections, globs, variables or &&.'
		)
	),
	cwd: v.optional(
		v.pipe(
			v.string(),
			v.description('The folder to run it in; default: the folder Hearth was started in.')
		)
	)
});

export type RunCommandArgs = v.InferOutput<typeof schema>;

export interface RunCommandOptions {
	/** Where commands run when the call names no folder (the terminal's working folder). */
	defaultCwd: string;
	/** Other folders commands may run in (config files.allowed_folders). */
	allowedFolders: readonly string[];
	/** Wall-clock limit per run; the whole process tree is killed at it. */
	timeoutMs: number;
	/** Most output kept (characters); beyond it the middle is cut, head and tail kept. */
	maxOutputChars: number;
}

/** One run, as the tool's result reports it. */
export interface CommandOutcome {
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	timedOut: boolean;
	durationMs: number;
	/** stdout and stderr in the order they arrived, capped. */
	output: string;
	/** Characters left out of `output`. */
	omitted: number;
}

/**
 * True when `argv` is on the allowlist: equal to an entry's argv, or starting with it when the
 * entry is a declared prefix. Whole arguments are compared, never substrings of a command line,
 * so ["npm", "test", "&&", "rm", …] is not ["npm", "test"].
 */
export function allowlisted(
	argv: readonly string[],
	allow: readonly AllowedCommandConfig[],
	cwd?: string
): boolean {
	return allow.some((entry) => {
		if (entry.cwd !== undefined && (cwd === undefined || path.resolve(entry.cwd) !== cwd)) {
			return false;
		}
		if (entry.prefix ? argv.length < entry.argv.length : argv.length !== entry.argv.length) {
			return false;
		}
		return entry.argv.every((arg, i) => argv[i] === arg);
	});
}

/**
 * The face's approval policy for run_command: a call may run without asking only when it is
 * allowlisted and nothing untrusted (a page, a file, a tool result) entered the turn first.
 * Every other call waits for the person's yes.
 */
export function runCommandPreApproved(
	record: Pick<ToolCallRecord, 'name' | 'args' | 'tainted'>,
	allow: readonly AllowedCommandConfig[],
	defaultCwd: string
): boolean {
	if (record.name !== RUN_COMMAND || record.tainted) return false;
	const parsed = v.safeParse(schema, record.args);
	if (!parsed.success) return false;
	const cwd = path.resolve(defaultCwd, parsed.output.cwd ?? '.');
	return allowlisted(parsed.output.argv, allow, cwd);
}

/** A command line as a person reads it: arguments with spaces or quotes are quoted. */
export function showArgv(argv: readonly string[]): string {
	return argv
		.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`))
		.join(' ');
}

async function insideAllowed(folder: string, allowed: readonly string[]): Promise<string> {
	let real: string;
	try {
		real = await realpath(folder);
	} catch (e) {
		throw new HearthError('file_not_found', `There is no folder ${folder} to run the command in.`, {
			cause: e
		});
	}
	for (const root of allowed) {
		const realRoot = await realpath(root).catch(() => undefined);
		if (!realRoot) continue;
		const rel = path.relative(realRoot, real);
		if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) return real;
	}
	throw new HearthError(
		'path_rejected',
		`Commands may run only in ${allowed.join(', ')} (config.yaml files.allowed_folders), not in ${folder}.`
	);
}

/** Keeps the head and the tail of a long output; counts what was left out. */
class CappedOutput {
	#head = '';
	#tail = '';
	#omitted = 0;
	constructor(private readonly max: number) {}

	add(text: string): void {
		const half = Math.floor(this.max / 2);
		if (this.#head.length < half) {
			const take = text.slice(0, half - this.#head.length);
			this.#head += take;
			text = text.slice(take.length);
		}
		if (text === '') return;
		this.#tail += text;
		if (this.#tail.length > this.max - half) {
			const drop = this.#tail.length - (this.max - half);
			this.#omitted += drop;
			this.#tail = this.#tail.slice(drop);
		}
	}

	get omitted(): number {
		return this.#omitted;
	}

	toString(): string {
		if (this.#omitted === 0) return this.#head + this.#tail;
		return `${this.#head}\n[… ${this.#omitted} characters left out …]\n${this.#tail}`;
	}
}

/** Sends `signal` to the command and everything it started (its own process group). */
function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
	if (pid === undefined) return;
	try {
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

/**
 * Runs argv (no shell) in `cwd`, streaming output, killing the whole process tree at the time
 * limit or when `signal` fires. Resolves with the outcome; a program that cannot start throws.
 */
export function runProcess(
	argv: readonly string[],
	cwd: string,
	options: Pick<RunCommandOptions, 'timeoutMs' | 'maxOutputChars'>,
	signal: AbortSignal,
	onOutput: (text: string) => void
): Promise<CommandOutcome> {
	const [program, ...args] = argv;
	const startedAt = performance.now();
	return new Promise((resolve, reject) => {
		if (signal.aborted) return reject(stopped(signal.reason));
		const child = spawn(program!, args, {
			cwd,
			shell: false,
			// Its own process group, so the time limit and stop reach everything it starts.
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, CI: process.env.CI ?? '', FORCE_COLOR: '0' }
		});
		const output = new CappedOutput(options.maxOutputChars);
		let streamed = 0;
		const take = (decoder: StringDecoder) => (chunk: Buffer) => {
			const text = decoder.write(chunk);
			if (text === '') return;
			output.add(text);
			// The card gets the same cap: a command printing gigabytes must not flood the screen.
			if (streamed < options.maxOutputChars) {
				const shown = text.slice(0, options.maxOutputChars - streamed);
				streamed += shown.length;
				onOutput(shown);
				if (streamed >= options.maxOutputChars) onOutput('\n[… output continues, not shown …]\n');
			}
		};
		child.stdout.on('data', take(new StringDecoder('utf8')));
		child.stderr.on('data', take(new StringDecoder('utf8')));
		let timedOut = false;
		let stoppedByUser = false;
		let graceTimer: NodeJS.Timeout | undefined;
		const stop = () => {
			killTree(child.pid, 'SIGTERM');
			graceTimer ??= setTimeout(() => killTree(child.pid, 'SIGKILL'), KILL_GRACE_MS);
		};
		const limit = setTimeout(() => {
			timedOut = true;
			stop();
		}, options.timeoutMs);
		const onAbort = () => {
			stoppedByUser = true;
			stop();
		};
		signal.addEventListener('abort', onAbort, { once: true });
		const finish = () => {
			clearTimeout(limit);
			clearTimeout(graceTimer);
			signal.removeEventListener('abort', onAbort);
		};
		child.once('error', (error: NodeJS.ErrnoException) => {
			finish();
			if (error.code === 'ENOENT') {
				reject(
					new HearthError(
						'file_not_found',
						`There is no program called "${program}" here (looked in PATH and ${cwd}).`,
						{ cause: error }
					)
				);
			} else if (error.code === 'EACCES') {
				reject(
					new HearthError(
						'permission_denied',
						`"${program}" is not allowed to run (not executable?).`,
						{ cause: error }
					)
				);
			} else {
				reject(
					new HearthError('tool_failed', `"${program}" could not start: ${error.message}`, {
						cause: error
					})
				);
			}
		});
		child.once('close', (exitCode, exitSignal) => {
			finish();
			// Whatever it left running in its group goes too.
			killTree(child.pid, 'SIGKILL');
			if (stoppedByUser) return reject(stopped(signal.reason));
			resolve({
				exitCode,
				signal: exitSignal,
				timedOut,
				durationMs: performance.now() - startedAt,
				output: output.toString(),
				omitted: output.omitted
			});
		});
	});
}

function describeOutcome(
	shown: string,
	cwd: string,
	outcome: CommandOutcome,
	limitMs: number
): string {
	const ending = outcome.timedOut
		? `It was stopped at the time limit (${Math.round(limitMs / 1000)} s), with everything it started.`
		: outcome.signal
			? `It was ended by ${outcome.signal}.`
			: `It exited with code ${outcome.exitCode}${outcome.exitCode === 0 ? ' (success)' : ' (failure)'}.`;
	const body = outcome.output.trimEnd() || '(no output)';
	return `$ ${shown}\n(in ${cwd}, ${(outcome.durationMs / 1000).toFixed(1)} s)\n${ending}\n\nOutput:\n${body}`;
}

/**
 * run_command: the tool only a terminal has. It shows the exact command and folder and is a
 * side-effect tool, so the loop asks before every run; the face may skip the question for an
 * allowlisted call (runCommandPreApproved). Output is untrusted text.
 */
export function createRunCommandTool(options: RunCommandOptions): Tool<typeof schema> {
	const folderOf = (args: RunCommandArgs) => path.resolve(options.defaultCwd, args.cwd ?? '.');
	return {
		name: RUN_COMMAND,
		title: 'Run a command',
		description:
			'Runs a program on this computer with the given arguments (no shell) and returns its exit code and output, e.g. ["npm", "test"] to run the tests. The person approves each command unless it is on their allowlist. Use it when asked to run, build or test something.',
		schema,
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		// The command's own limit kills it; the loop's is a backstop after the kill grace.
		timeoutMs: options.timeoutMs + KILL_GRACE_MS + 5000,
		describe: (args) => `Run \`${showArgv(args.argv)}\` in ${folderOf(args)}`,
		async run(args, ctx) {
			const cwd = await insideAllowed(folderOf(args), [
				options.defaultCwd,
				...options.allowedFolders
			]);
			const outcome = await runProcess(args.argv, cwd, options, ctx.signal, (text) =>
				ctx.onOutput(text)
			);
			const shown = showArgv(args.argv);
			const last = outcome.output.trimEnd().split('\n').at(-1)?.slice(0, 100) ?? '';
			const status = outcome.timedOut
				? 'timed out'
				: outcome.signal
					? outcome.signal
					: `exit ${outcome.exitCode}`;
			return {
				content: describeOutcome(shown, cwd, outcome, options.timeoutMs),
				preview: `${status} · ${(outcome.durationMs / 1000).toFixed(1)} s${last ? ` · ${last}` : ''}`,
				// A program's output is not the person's words (a test can print anything).
				untrusted: true
			};
		}
	};
}
