// One tool call from card to result: confirmation, the run with its time limit and cancel, and
// the text the model reads back. Only stopping the whole answer escapes as a throw.
import { abortedError, raceAbort } from '$lib/agent/abort';
import { capResult } from '$lib/agent/agent-messages';
import { prepareReview, readDecision } from '$lib/agent/review';
import { untrustedSource, wrapUntrusted } from '$lib/agent/untrusted';
import type { AgentEvent, AgentRunInput } from '$lib/agent/loop';
import type { AnyTool, ToolContext, ToolResult } from '$lib/tools/types';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { SerializedError } from '$lib/types/errors';
import type { CallGate, ToolCallRecord, ToolDecision } from '$lib/types/tools';

/** Output kept on a card: the tail, since the end of a long log is what explains a failure. */
export const MAX_OUTPUT_CHARS = 20_000;
/** Untrusted origins kept on a card that asks: enough to recognise, not a log. */
const MAX_ORIGINS_SHOWN = 5;

export interface CallHost {
	input: AgentRunInput;
	/** The whole answer's signal (the user pressed stop, or the consumer left). */
	runSignal: AbortSignal;
	/** Live calls by id, so the card's cancel button can reach one. */
	controllers: Map<string, AbortController>;
	emit(event: AgentEvent): void;
}

export interface CallOutcome {
	/** What the model reads about the call. */
	content: string;
	untrusted: boolean;
}

const TIMED_OUT = Symbol('timed out');
const CANCELLED = Symbol('cancelled');

/** Cancels one running call; false when no call with that id is running. */
export function cancelRunningCall(controllers: Map<string, AbortController>, id: string): boolean {
	const controller = controllers.get(id);
	if (!controller) return false;
	controller.abort(CANCELLED);
	return true;
}

/** A call that never ran (unknown tool, arguments that never validated): a failed card. */
export function reportFailedCall(
	host: CallHost,
	call: { id: string; name: string; args: unknown },
	error: SerializedError,
	tainted: boolean
): string {
	const record: ToolCallRecord = {
		...call,
		status: 'error',
		startedAt: Date.now(),
		durationMs: 0,
		error,
		...(tainted ? { tainted } : {})
	};
	host.emit({ type: 'call', record });
	return `The call failed (${error.code}): ${error.message}`;
}

export interface CallOptions {
	/** Wait for the user's yes first. */
	confirm: boolean;
	tainted: boolean;
	/** Why it asks, or why it runs unasked after untrusted text (agent/taint.ts). */
	gate?: CallGate;
	/** Where the turn's untrusted text came from, for the tool (ToolContext.untrusted). */
	untrusted?: readonly string[];
}

export async function performCall(
	host: CallHost,
	call: { id: string; tool: AnyTool; args: unknown },
	options: CallOptions
): Promise<CallOutcome> {
	const { tool } = call;
	// A reviewed call (a plan of file changes) is checked against the world before it is shown.
	let prepared: Awaited<ReturnType<typeof prepareReview>> = { args: call.args };
	if (tool.review) {
		try {
			prepared = await raceAbort(prepareReview(tool, call.args, host.runSignal), host.runSignal);
		} catch (e) {
			if (host.runSignal.aborted) throw abortedError();
			const failed = { id: call.id, name: tool.name, args: call.args };
			const error = toolError(e).toJSON();
			return { content: reportFailedCall(host, failed, error, options.tainted), untrusted: false };
		}
	}
	let args = prepared.args;
	const record: ToolCallRecord = {
		id: call.id,
		name: tool.name,
		args,
		status: options.confirm ? 'awaiting' : 'running',
		startedAt: Date.now(),
		...(options.tainted ? { tainted: true } : {}),
		...(options.confirm && options.tainted && options.untrusted?.length
			? { untrustedFrom: options.untrusted.slice(0, MAX_ORIGINS_SHOWN) }
			: {}),
		...(options.gate ? { gate: options.gate } : {}),
		...(options.confirm ? { confirmation: tool.describe(args) } : {}),
		...(prepared.review ? { review: prepared.review } : {})
	};
	const patch = (changes: Partial<ToolCallRecord>) => {
		Object.assign(record, changes);
		host.emit({ type: 'call-update', id: record.id, patch: changes });
	};
	const finish = (status: ToolCallRecord['status'], changes: Partial<ToolCallRecord> = {}) =>
		patch({ status, durationMs: Date.now() - record.startedAt, ...changes });
	host.emit({ type: 'call', record: { ...record } });

	if (options.confirm) {
		let granted: ToolDecision;
		try {
			granted = await raceAbort(host.input.confirm({ ...record }), host.runSignal);
		} catch (e) {
			if (host.runSignal.aborted) {
				finish('cancelled');
				throw abortedError();
			}
			granted = false; // a confirmation dialog that failed is not a yes
			void e;
		}
		const decision = readDecision(tool, granted);
		if (decision.kind === 'no') {
			finish('denied', { error: { code: 'tool_denied', message: 'You declined this call.' } });
			return {
				content:
					'The user declined this call, so it did not run. Do not try it again; answer without ' +
					'it, or ask the user.',
				untrusted: false
			};
		}
		if (decision.kind === 'invalid') {
			finish('error', { error: { code: 'tool_invalid_args', message: decision.error } });
			return { content: `The call did not run: ${decision.error}`, untrusted: false };
		}
		// The card shows what runs: the person's edit of the call.
		if (decision.kind === 'edited') args = decision.args;
		patch({ status: 'running', ...(decision.kind === 'edited' ? { args } : {}) });
	}

	const controller = new AbortController();
	host.controllers.set(record.id, controller);
	const signal = AbortSignal.any([host.runSignal, controller.signal]);
	const deadline = new Deadline(tool.timeoutMs, () => controller.abort(TIMED_OUT));
	let output = '';
	const ctx: ToolContext = {
		...host.input.context,
		...(options.untrusted?.length ? { untrusted: options.untrusted } : {}),
		signal,
		onOutput(text) {
			output = (output + text).slice(-MAX_OUTPUT_CHARS);
			patch({ output });
		},
		onProgress(progress) {
			patch({ preview: progress.text, progress: progress.fraction });
		},
		onReview(review) {
			patch({ review });
		},
		async ask(question) {
			// The user's thinking time does not count against the tool's time limit.
			deadline.pause();
			patch({ status: 'awaiting', confirmation: question });
			try {
				return await raceAbort(host.input.ask({ ...record }, question), signal);
			} catch {
				return false;
			} finally {
				if (!signal.aborted) patch({ status: 'running' });
				deadline.resume();
			}
		}
	};

	try {
		const running = tool.run(args, ctx);
		const result = await (tool.windsDown ? running : raceAbort(running, signal));
		if (signal.aborted) return woundDown(host, tool, args, result, controller, finish);
		finish('done', {
			preview: result.preview,
			untrustedResult: result.untrusted,
			...(result.images && result.images.length > 0 ? { images: result.images } : {}),
			...(result.sources && result.sources.length > 0
				? { sources: result.sources.map((s) => ({ title: s.title, url: s.url })) }
				: {})
		});
		return { content: modelText(tool, args, result), untrusted: result.untrusted };
	} catch (e) {
		if (host.runSignal.aborted) {
			finish('cancelled');
			throw abortedError();
		}
		if (controller.signal.reason === CANCELLED) {
			finish('cancelled');
			return {
				content: 'The user cancelled this call before it finished; there is no result.',
				untrusted: false
			};
		}
		const error =
			controller.signal.reason === TIMED_OUT
				? new HearthError(
						'tool_timeout',
						`${tool.title} took longer than ${formatSeconds(tool.timeoutMs)} and was stopped.`
					)
				: toolError(e);
		finish('error', { error: error.toJSON() });
		return { content: `The call failed (${error.code}): ${error.message}`, untrusted: false };
	} finally {
		deadline.clear();
		host.controllers.delete(record.id);
	}
}

/**
 * A tool that winds down (tool.windsDown) returned what it did before a cancel, a stop or its
 * time limit: the card and the model get that, not "no result".
 */
function woundDown(
	host: CallHost,
	tool: AnyTool,
	args: unknown,
	result: ToolResult,
	controller: AbortController,
	finish: (status: ToolCallRecord['status'], changes?: Partial<ToolCallRecord>) => void
): CallOutcome {
	const timedOut = controller.signal.reason === TIMED_OUT;
	const error = new HearthError(
		'tool_timeout',
		`${tool.title} took longer than ${formatSeconds(tool.timeoutMs)} and was stopped part-way.`
	);
	finish(timedOut ? 'error' : 'cancelled', {
		preview: result.preview,
		...(timedOut ? { error: error.toJSON() } : {})
	});
	if (host.runSignal.aborted) throw abortedError();
	const why = timedOut ? error.message : 'The user cancelled this call part-way.';
	return { content: `${why} ${modelText(tool, args, result)}`, untrusted: result.untrusted };
}

function modelText(tool: AnyTool, args: unknown, result: ToolResult): string {
	const content = capResult(result.content);
	return result.untrusted ? wrapUntrusted(untrustedSource(tool.name, args), content) : content;
}

function toolError(e: unknown): HearthError {
	const error = toHearthError(e);
	// A bare Error from a tool is still the tool failing, not an unknown fault of Hearth's.
	return error.code === 'unknown' || error.code === 'aborted'
		? new HearthError('tool_failed', error.message, { cause: e })
		: error;
}

function formatSeconds(ms: number): string {
	if (ms < 1000) return `${ms} ms`;
	const s = ms / 1000;
	return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** A time limit that can stop counting while the user answers a question. */
class Deadline {
	#remaining: number;
	#since = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#cleared = false;
	readonly #onExpire: () => void;

	constructor(ms: number, onExpire: () => void) {
		this.#remaining = ms;
		this.#onExpire = onExpire;
		this.resume();
	}

	pause(): void {
		if (this.#timer === undefined) return;
		clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#remaining -= Date.now() - this.#since;
	}

	resume(): void {
		if (this.#timer !== undefined || this.#cleared) return;
		this.#since = Date.now();
		this.#timer = setTimeout(this.#onExpire, Math.max(0, this.#remaining));
	}

	clear(): void {
		this.#cleared = true;
		clearTimeout(this.#timer);
		this.#timer = undefined;
	}
}
