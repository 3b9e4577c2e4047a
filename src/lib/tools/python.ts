import * as v from 'valibot';
import { checkFetchTarget } from '$lib/net/address';
import { fetchFollowingSafely } from '$lib/net/redirects';
import { toolFetch } from '$lib/net/request';
import type { PythonRunResult } from '$lib/protocol/python';
import type { PythonRunOptions } from '$lib/python/sandbox';
import type { Tool, ToolContext } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';

export const RUN_PYTHON = 'run_python';
/** What the model reads of each stream; long output keeps its head and tail. */
export const MAX_STREAM_CHARS = 8000;
/** The loop's own limit: generous, since start-up and the package question come before the run. */
const TOOL_TIMEOUT_MS = 10 * 60_000;

const schema = v.object({
	code: v.pipe(
		v.string(),
		v.minLength(1, 'Give the Python code to run.'),
		v.description(
			'Python 3 source. Print what you want to see; the value of a last bare expression is returned too.'
		)
	)
});

/** The part of PythonSandbox the tool uses. */
export interface PythonRunner {
	run(code: string, options: PythonRunOptions): Promise<PythonRunResult>;
}

function clip(text: string): string {
	if (text.length <= MAX_STREAM_CHARS) return text;
	const half = Math.floor(MAX_STREAM_CHARS / 2);
	const cut = text.length - 2 * half;
	return `${text.slice(0, half)}\n[… ${cut} characters left out …]\n${text.slice(-half)}`;
}

/** The run as the model reads it: an exception is part of the result, traceback and all. */
export function formatPythonResult(result: PythonRunResult): string {
	const parts: string[] = [];
	if (result.stdout) parts.push(`stdout:\n${clip(result.stdout).trimEnd()}`);
	if (result.stderr) parts.push(`stderr:\n${clip(result.stderr).trimEnd()}`);
	if (result.result !== undefined) parts.push(`result: ${clip(result.result)}`);
	if (result.error) {
		parts.push(`The code raised ${result.error.type}:\n${clip(result.error.traceback).trimEnd()}`);
	}
	if (result.images.length > 0) {
		const n = result.images.length;
		parts.push(`${n} figure${n === 1 ? '' : 's'} shown to the user.`);
	}
	if (parts.length === 0) parts.push('The code ran and printed nothing.');
	return parts.join('\n\n');
}

export function previewPythonResult(result: PythonRunResult): string {
	const seconds = `${(result.durationMs / 1000).toFixed(1)} s`;
	if (result.error) return `${result.error.type}: ${result.error.message}`.slice(0, 160);
	const shown = result.result ?? result.stdout.trim().split('\n').at(-1) ?? '';
	return shown ? `Ran in ${seconds} · ${shown.slice(0, 120)}` : `Ran in ${seconds}`;
}

/**
 * A request the code itself makes (network allowed in settings): the address rules every fetching
 * tool follows (no loopback, private network, link-local or cloud metadata addresses unless the
 * user allowed that host), through the ledger and "offline only". A GET or HEAD follows redirects
 * hop by hop like fetch_page; any other method is sent once and a redirect is refused, since a
 * browser does not say where a redirect leads before it has sent the request again.
 */
export async function pythonCodeFetch(
	ctx: Pick<ToolContext, 'net' | 'signal' | 'settings'>,
	url: string,
	init: RequestInit,
	purpose: string
): Promise<Response> {
	const start = checkFetchTarget(url, ctx.settings.allowedPrivateHosts);
	const method = (init.method ?? 'GET').toUpperCase();
	const request = { purpose, tool: RUN_PYTHON, init };
	if (method === 'GET' || method === 'HEAD') {
		return (await fetchFollowingSafely(ctx, start, request)).response;
	}
	const response = await toolFetch(ctx, start.href, {
		...request,
		init: { ...init, redirect: 'manual' }
	});
	if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
		await response.body?.cancel().catch(() => {});
		throw new HearthError(
			'network_blocked',
			`${start.host} answered the ${method} request with a redirect, which Hearth does not follow for Python code.`
		);
	}
	return response;
}

/**
 * run_python: runs code in the Pyodide sandbox. `pythonNetwork` is read each time, so the
 * setting applies without rebuilding the tool.
 *
 * When it asks first, once untrusted text is in the turn (the code may then be the page's):
 * - network allowed: it is a network tool, so it asks. Its code can read the attached files
 *   under /data and send them, or anything it computed, to any public address.
 * - network off (the default): it runs without asking. The sandbox's fence
 *   (scripts/worker-policy.js, workers/python-lockdown.ts) leaves such code nothing outside the
 *   worker's own memory: no request, no storage of the origin, no message the page obeys. What it
 *   could still do is leave something behind in the interpreter for a later run, so a tainted run
 *   marks the interpreter and the next run that is not tainted gets a fresh one
 *   (PythonRunOptions.tainted), and its output is fenced as untrusted.
 */
export function createRunPythonTool(
	sandbox: PythonRunner,
	pythonNetwork: () => boolean = () => false
): Tool<typeof schema> {
	return {
		name: RUN_PYTHON,
		title: 'Python',
		description:
			'Runs Python 3 code in a sandbox on this device (Pyodide) and returns stdout, stderr, the last expression and any exception with its traceback; fix the code and run it again when it fails. Files the user attached are readable (not writable) under /data. No network unless the user allowed it. Standard library only, unless the user agrees to fetch packages such as numpy or matplotlib (figures are shown to the user).',
		schema,
		sideEffect: false,
		get network() {
			return pythonNetwork();
		},
		defaultEnabled: true,
		timeoutMs: TOOL_TIMEOUT_MS,
		describe: ({ code }) => {
			const lines = code.split('\n').length;
			const run = `Run ${lines} line${lines === 1 ? '' : 's'} of Python in the sandbox on this device.`;
			return pythonNetwork()
				? `${run} Network is allowed for Python, so this code could send what it reads (attached files too) to public addresses.`
				: run;
		},
		async run({ code }, ctx) {
			const allowNetwork = ctx.settings.pythonNetwork;
			const tainted = (ctx.untrusted?.length ?? 0) > 0;
			const result = await sandbox.run(code, {
				timeoutMs: ctx.settings.pythonTimeoutSeconds * 1000,
				attachments: ctx.attachments,
				allowNetwork,
				packagesUrl: ctx.settings.pythonPackagesUrl,
				signal: ctx.signal,
				onOutput: (text) => ctx.onOutput(text),
				onProgress: (progress) => ctx.onProgress(progress),
				confirmPackages: (names, host) =>
					ctx.ask(
						`This code needs ${names.join(', ')}. Download ${names.length === 1 ? 'it' : 'them'} from ${host}? (Once; kept on this device for offline use.)`
					),
				// Packages come from the host the user set in Settings and agreed to; the code's own
				// requests follow the address rules of every fetching tool.
				fetch: (url, init, purpose, kind) =>
					kind === 'package'
						? ctx.net(url, init, { purpose, tool: RUN_PYTHON })
						: pythonCodeFetch(ctx, url, init, purpose),
				tainted
			});
			return {
				content: formatPythonResult(result),
				preview: previewPythonResult(result),
				images: result.images.length > 0 ? result.images : undefined,
				// Output can carry the text of attached files or of pages the code fetched, and code
				// written after untrusted text prints what that text wanted.
				untrusted: ctx.attachments.length > 0 || allowNetwork || tainted
			};
		}
	};
}
