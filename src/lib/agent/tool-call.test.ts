import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentEvent, AgentRunInput } from '$lib/agent/loop';
import {
	cancelRunningCall,
	performCall,
	reportFailedCall,
	type CallHost,
	type CallOptions
} from '$lib/agent/tool-call';
import { wrapUntrusted } from '$lib/agent/untrusted';
import type { AnyTool, Tool, ToolContext, ToolResult } from '$lib/tools/types';
import { HearthError, type SerializedError } from '$lib/types/errors';
import type { CallReview, ToolCallRecord, ToolDecision } from '$lib/types/tools';

// One tool call from card to result, driven directly: what the card shows at each step, what the
// model reads back, and what the person's answers do. The agent loop's tests reach it through
// whole turns; these pin the parts a turn rarely shows (failed dialogs, edits, time limits).

type Run = (args: { url: string }, ctx: ToolContext) => Promise<ToolResult>;

function makeTool(run: Run, extra: Partial<Tool> = {}): AnyTool {
	return {
		name: 'fetch_page',
		title: 'Read a web page',
		description: 'Reads a web page.',
		schema: v.object({ url: v.pipe(v.string(), v.url()) }),
		sideEffect: false,
		network: true,
		defaultEnabled: true,
		timeoutMs: 1000,
		describe: (args: { url: string }) => `Read ${args.url}`,
		run,
		...extra
	} as unknown as AnyTool;
}

const page = (content = 'page text'): ToolResult => ({ content, preview: 'read', untrusted: true });

function setup(
	answers: {
		confirm?: (record: ToolCallRecord) => Promise<ToolDecision>;
		ask?: (record: ToolCallRecord, question: string) => Promise<boolean>;
	} = {}
) {
	const events: AgentEvent[] = [];
	const run = new AbortController();
	const confirmed: ToolCallRecord[] = [];
	const host: CallHost = {
		input: {
			context: {},
			confirm: async (record: ToolCallRecord) => {
				confirmed.push(record);
				return answers.confirm ? answers.confirm(record) : true;
			},
			ask: answers.ask ?? (async () => true)
		} as unknown as AgentRunInput,
		runSignal: run.signal,
		controllers: new Map(),
		emit: (event) => events.push(event)
	};
	/** The card as the person sees it now: the first record with every patch applied. */
	const card = (): ToolCallRecord => {
		let record: ToolCallRecord | undefined;
		for (const e of events) {
			if (e.type === 'call') record = { ...e.record };
			else if (e.type === 'call-update' && record) record = { ...record, ...e.patch };
		}
		if (!record) throw new Error('no card');
		return record;
	};
	const first = () => {
		const e = events.find((x) => x.type === 'call');
		if (e?.type !== 'call') throw new Error('no card');
		return e.record;
	};
	const patches = () =>
		events.flatMap((e) =>
			e.type === 'call-update' ? [e.patch] : ([] as Partial<ToolCallRecord>[])
		);
	return { host, run, card, first, patches, confirmed };
}

const call = (tool: AnyTool, args: unknown = { url: 'https://a.example/' }) => ({
	id: 'c1',
	tool,
	args
});
const asks: CallOptions = { confirm: true, tainted: true, gate: 'untrusted' };

afterEach(() => {
	vi.useRealTimers();
});

describe('performCall: asking first', () => {
	it('shows what would run and where the untrusted text came from, then runs on yes', async () => {
		let seen: readonly string[] | undefined;
		const tool = makeTool(async (_args, ctx) => {
			seen = ctx.untrusted;
			return page();
		});
		const { host, first, card, confirmed } = setup();
		const origins = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7'];
		const outcome = await performCall(host, call(tool), { ...asks, untrusted: origins });
		expect(first()).toMatchObject({
			status: 'awaiting',
			tainted: true,
			gate: 'untrusted',
			confirmation: 'Read https://a.example/',
			untrustedFrom: ['o1', 'o2', 'o3', 'o4', 'o5']
		});
		expect(confirmed[0]?.status).toBe('awaiting');
		expect(seen).toEqual(origins);
		expect(card()).toMatchObject({ status: 'done', preview: 'read', untrustedResult: true });
		expect(outcome).toEqual({
			content: wrapUntrusted('fetch_page https://a.example/', 'page text'),
			untrusted: true
		});
		expect(host.controllers.size).toBe(0);
		expect(cancelRunningCall(host.controllers, 'c1')).toBe(false);
	});

	it('lists origins only on a card that asks because of them', async () => {
		const tool = makeTool(async () => page());
		const sideEffect = setup();
		await performCall(sideEffect.host, call(tool), {
			confirm: true,
			tainted: false,
			gate: 'side-effect',
			untrusted: ['o1']
		});
		expect(sideEffect.first().untrustedFrom).toBeUndefined();
		expect(sideEffect.first().tainted).toBeUndefined();

		const unasked = setup();
		await performCall(unasked.host, call(tool), {
			confirm: false,
			tainted: true,
			untrusted: ['o1']
		});
		expect(unasked.first()).toMatchObject({ status: 'running', tainted: true });
		expect(unasked.first().untrustedFrom).toBeUndefined();
		expect(unasked.first().confirmation).toBeUndefined();

		for (const untrusted of [undefined, []]) {
			const none = setup();
			let seen: unknown = 'unset';
			const t = makeTool(async (_a, ctx) => {
				seen = ctx.untrusted;
				return page();
			});
			await performCall(none.host, call(t), { ...asks, untrusted });
			expect(none.first().untrustedFrom).toBeUndefined();
			expect(seen).toBeUndefined();
		}
	});

	it('takes a no, and a confirmation dialog that failed, as a no: nothing runs', async () => {
		const run = vi.fn(async () => page());
		const tool = makeTool(run);
		for (const confirm of [
			async () => false,
			async () => Promise.reject(new Error('dialog gone'))
		]) {
			const { host, card } = setup({ confirm });
			const outcome = await performCall(host, call(tool), asks);
			expect(card()).toMatchObject({
				status: 'denied',
				error: { code: 'tool_denied', message: 'You declined this call.' }
			});
			expect(outcome).toEqual({
				content:
					'The user declined this call, so it did not run. Do not try it again; answer without ' +
					'it, or ask the user.',
				untrusted: false
			});
		}
		expect(run).not.toHaveBeenCalled();
	});

	it('stopping the answer while the card waits cancels the card and stops the answer', async () => {
		const tool = makeTool(async () => page());
		const { host, run, card } = setup({ confirm: () => new Promise(() => {}) });
		const pending = performCall(host, call(tool), asks);
		await vi.waitFor(() => expect(card().status).toBe('awaiting'));
		run.abort();
		await expect(pending).rejects.toMatchObject({ code: 'aborted' });
		expect(card().status).toBe('cancelled');
	});
});

describe('performCall: reviewed calls', () => {
	const review = { items: [] } as unknown as CallReview;
	const reviewed = (run: Run, prepare?: () => Promise<unknown>) =>
		makeTool(run, {
			review: {
				prepare: prepare ? (prepare as never) : async (args: unknown) => ({ args, review })
			}
		} as Partial<Tool>);

	it('runs the person’s edit, shown on the card', async () => {
		const ran: unknown[] = [];
		const tool = reviewed(async (args) => {
			ran.push(args);
			return page();
		});
		const { host, first, patches } = setup({
			confirm: async () => ({ args: { url: 'https://b.example/' } })
		});
		await performCall(host, call(tool), asks);
		expect(first().review).toBe(review);
		expect(ran).toEqual([{ url: 'https://b.example/' }]);
		expect(patches()).toContainEqual({ status: 'running', args: { url: 'https://b.example/' } });
	});

	it('refuses an edit that is not valid, without running', async () => {
		const run = vi.fn(async () => page());
		const { host, card } = setup({ confirm: async () => ({ args: { url: 'not a url' } }) });
		const outcome = await performCall(host, call(reviewed(run)), asks);
		expect(card().status).toBe('error');
		expect(card().error?.code).toBe('tool_invalid_args');
		expect(outcome.untrusted).toBe(false);
		expect(outcome.content).toMatch(
			/^The call did not run: Your changes to this call are not valid/
		);
		expect(run).not.toHaveBeenCalled();
	});

	it('a review that cannot be prepared is a failed card; a stop then stops the answer', async () => {
		const failing = reviewed(
			async () => page(),
			async () => {
				throw new Error('folder gone');
			}
		);
		const { host, card } = setup();
		const outcome = await performCall(host, call(failing), asks);
		expect(card()).toMatchObject({
			status: 'error',
			tainted: true,
			error: { code: 'tool_failed', message: 'folder gone' }
		});
		expect(outcome).toEqual({
			content: 'The call failed (tool_failed): folder gone',
			untrusted: false
		});

		const stopped = setup();
		stopped.run.abort();
		await expect(performCall(stopped.host, call(failing), asks)).rejects.toMatchObject({
			code: 'aborted'
		});
	});
});

describe('performCall: while it runs', () => {
	it('keeps the last 20,000 characters of output and shows progress', async () => {
		const tool = makeTool(async (_a, ctx) => {
			ctx.onOutput('a'.repeat(15_000));
			ctx.onProgress({ fraction: 0.5, text: 'half way' });
			ctx.onOutput('b'.repeat(10_000));
			return { ...page(), untrusted: false };
		});
		const { host, card, patches } = setup();
		await performCall(host, call(tool), { confirm: false, tainted: false });
		const output = card().output ?? '';
		expect(output).toBe('a'.repeat(10_000) + 'b'.repeat(10_000));
		expect(patches()).toContainEqual({ preview: 'half way', progress: 0.5 });
	});

	it('puts figures and sources on the card, and leaves empty ones off', async () => {
		const withMedia = makeTool(async () => ({
			...page(),
			images: ['data:image/png;base64,AA=='],
			sources: [{ title: 'A', url: 'https://a.example/', snippet: 'x' }]
		}));
		const a = setup();
		await performCall(a.host, call(withMedia), { confirm: false, tainted: false });
		expect(a.card().images).toEqual(['data:image/png;base64,AA==']);
		expect(a.card().sources).toEqual([{ title: 'A', url: 'https://a.example/' }]);

		const empty = makeTool(async () => ({ ...page(), images: [], sources: [] }));
		const b = setup();
		await performCall(b.host, call(empty), { confirm: false, tainted: false });
		expect('images' in b.card()).toBe(false);
		expect('sources' in b.card()).toBe(false);
	});

	it('a question the tool asks waits on the card; a failed question is a no', async () => {
		const answers: boolean[] = [];
		const tool = makeTool(async (_a, ctx) => {
			answers.push(await ctx.ask('Overwrite notes.md?'));
			return page();
		});
		const ok = setup({ ask: async () => true });
		await performCall(ok.host, call(tool), { confirm: false, tainted: false });
		expect(ok.patches()).toContainEqual({
			status: 'awaiting',
			confirmation: 'Overwrite notes.md?'
		});
		expect(ok.patches()).toContainEqual({ status: 'running' });
		const failed = setup({ ask: () => Promise.reject(new Error('dialog gone')) });
		await performCall(failed.host, call(tool), { confirm: false, tainted: false });
		expect(answers).toEqual([true, false]);
	});

	it('names the failure: a bare error or a stray abort is the tool failing, a coded one keeps its code', async () => {
		const cases: [unknown, string][] = [
			[new Error('disk gone'), 'tool_failed'],
			[new HearthError('aborted', 'gave up'), 'tool_failed'],
			[new HearthError('network_failed', 'no route'), 'network_failed']
		];
		for (const [thrown, code] of cases) {
			const { host, card } = setup();
			const outcome = await performCall(host, call(makeTool(() => Promise.reject(thrown))), {
				confirm: false,
				tainted: false
			});
			expect(card().status).toBe('error');
			expect(card().error?.code).toBe(code);
			expect(outcome.content).toBe(`The call failed (${code}): ${(thrown as Error).message}`);
			expect(outcome.untrusted).toBe(false);
		}
	});

	it('a cancelled call tells the model there is no result', async () => {
		const { host, card } = setup();
		const tool = makeTool(() => new Promise(() => {}));
		const pending = performCall(host, call(tool), { confirm: false, tainted: false });
		await vi.waitFor(() => expect(host.controllers.has('c1')).toBe(true));
		expect(cancelRunningCall(host.controllers, 'c1')).toBe(true);
		expect(await pending).toEqual({
			content: 'The user cancelled this call before it finished; there is no result.',
			untrusted: false
		});
		expect(card().status).toBe('cancelled');
	});
});

describe('performCall: time limits', () => {
	const never = () => new Promise<ToolResult>(() => {});

	it.each([
		[500, '500 ms'],
		[1000, '1 s'],
		[1500, '1.5 s'],
		[2000, '2 s']
	])('stops a call over its %i ms limit and says so in words', async (timeoutMs, words) => {
		vi.useFakeTimers();
		const { host, card } = setup();
		const pending = performCall(host, call(makeTool(never, { timeoutMs })), {
			confirm: false,
			tainted: false
		});
		await vi.advanceTimersByTimeAsync(timeoutMs);
		const outcome = await pending;
		const message = `Read a web page took longer than ${words} and was stopped.`;
		expect(card()).toMatchObject({
			status: 'error',
			durationMs: timeoutMs,
			error: { code: 'tool_timeout', message }
		});
		expect(outcome.content).toBe(`The call failed (tool_timeout): ${message}`);
	});

	it('does not count the time the person takes to answer the tool’s question', async () => {
		vi.useFakeTimers();
		const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
		// 600 ms of work, a question answered after 5 s, 300 ms more: within a 1 s limit.
		const tool = (after: number) =>
			makeTool(
				async (_a, ctx) => {
					await wait(600);
					await ctx.ask('Go on?');
					await wait(after);
					return page();
				},
				{ timeoutMs: 1000 }
			);
		const answerLate = () => new Promise<boolean>((r) => setTimeout(() => r(true), 5000));
		const within = setup({ ask: answerLate });
		const a = performCall(within.host, call(tool(300)), { confirm: false, tainted: false });
		await vi.advanceTimersByTimeAsync(6000);
		await a;
		expect(within.card().status).toBe('done');
		expect(within.card().durationMs).toBe(5900);

		// 600 ms before and 600 ms after the question: over the limit.
		const over = setup({ ask: answerLate });
		const b = performCall(over.host, call(tool(600)), { confirm: false, tainted: false });
		await vi.advanceTimersByTimeAsync(7000);
		await b;
		expect(over.card().error?.code).toBe('tool_timeout');
	});
});

describe('performCall: tools that wind down', () => {
	/** Finishes the step it is on when stopped, and returns what it did. */
	const planner = (timeoutMs = 1000) =>
		makeTool(
			(_a, ctx) =>
				new Promise((resolve) => {
					ctx.signal.addEventListener('abort', () =>
						resolve({ content: '2 of 3 done', preview: 'partial', untrusted: false })
					);
				}),
			{ windsDown: true, timeoutMs }
		);

	it('a cancel keeps what it did, for the card and the model', async () => {
		const { host, card } = setup();
		const pending = performCall(host, call(planner()), { confirm: false, tainted: false });
		await vi.waitFor(() => expect(host.controllers.has('c1')).toBe(true));
		cancelRunningCall(host.controllers, 'c1');
		expect(await pending).toEqual({
			content: 'The user cancelled this call part-way. 2 of 3 done',
			untrusted: false
		});
		expect(card()).toMatchObject({ status: 'cancelled', preview: 'partial' });
		expect(card().error).toBeUndefined();
	});

	it('its time limit keeps what it did and says it stopped part-way', async () => {
		vi.useFakeTimers();
		const { host, card } = setup();
		const pending = performCall(host, call(planner(2000)), { confirm: false, tainted: false });
		await vi.advanceTimersByTimeAsync(2000);
		const message = 'Read a web page took longer than 2 s and was stopped part-way.';
		expect(await pending).toEqual({ content: `${message} 2 of 3 done`, untrusted: false });
		expect(card()).toMatchObject({
			status: 'error',
			preview: 'partial',
			error: { code: 'tool_timeout', message }
		});
	});

	it('a stop of the whole answer still stops the answer', async () => {
		const { host, run, card } = setup();
		const pending = performCall(host, call(planner()), { confirm: false, tainted: false });
		await vi.waitFor(() => expect(host.controllers.has('c1')).toBe(true));
		run.abort();
		await expect(pending).rejects.toMatchObject({ code: 'aborted' });
		expect(card().status).toBe('cancelled');
	});
});

describe('reportFailedCall', () => {
	it('shows a call that never ran as failed, marked when the turn was tainted', () => {
		const { host, first } = setup();
		const error: SerializedError = { code: 'tool_unknown', message: 'No tool named x.' };
		const text = reportFailedCall(host, { id: 'c1', name: 'x', args: {} }, error, true);
		expect(text).toBe('The call failed (tool_unknown): No tool named x.');
		expect(first()).toMatchObject({ status: 'error', durationMs: 0, tainted: true, error });
		const plain = setup();
		reportFailedCall(plain.host, { id: 'c2', name: 'x', args: {} }, error, false);
		expect('tainted' in plain.first()).toBe(false);
	});
});
