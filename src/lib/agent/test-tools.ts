// Test-only: small real tools and a collector for agent-loop tests.
import * as v from 'valibot';
import { runAgent } from '$lib/agent/loop';
import type { AgentEvent, AgentRun, AgentRunInput } from '$lib/agent/loop';
import type { ScriptedEngine } from '$lib/agent/scripted-engine';
import type { AnyTool, Tool } from '$lib/tools/types';
import type { GenericSchema } from 'valibot';
import { HearthError } from '$lib/types/errors';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import type { ToolCallRecord } from '$lib/types/tools';

function tool<S extends GenericSchema>(t: Tool<S>): AnyTool {
	return t as unknown as AnyTool;
}

export const addTool = tool({
	name: 'add',
	title: 'Add',
	description: 'Adds two numbers.',
	schema: v.object({ a: v.number(), b: v.number() }),
	sideEffect: false,
	network: false,
	defaultEnabled: true,
	timeoutMs: 1000,
	describe: ({ a, b }) => `Add ${a} and ${b}`,
	run: async ({ a, b }) => ({ content: String(a + b), preview: `= ${a + b}`, untrusted: false })
});

/** A fake web: fetch_page returns `pages[url]`; every fetch is recorded. */
export function webTools(pages: Record<string, string>) {
	const fetched: string[] = [];
	const fetchPage = tool({
		name: 'fetch_page',
		title: 'Read a web page',
		description: 'Reads a web page.',
		schema: v.object({ url: v.string() }),
		sideEffect: false,
		network: true,
		defaultEnabled: true,
		timeoutMs: 1000,
		describe: ({ url }) => `Read ${url}`,
		run: async ({ url }) => {
			fetched.push(url);
			const page = pages[url];
			if (page === undefined) throw new HearthError('network_failed', `No page at ${url}.`);
			return { content: page, preview: url, untrusted: true };
		}
	});
	const search = tool({
		name: 'web_search',
		title: 'Web search',
		description: 'Searches the web.',
		schema: v.object({ query: v.pipe(v.string(), v.minLength(1)) }),
		sideEffect: false,
		network: true,
		defaultEnabled: true,
		timeoutMs: 1000,
		describe: ({ query }) => `Search for ${query}`,
		run: async ({ query }) => {
			fetched.push(`search:${query}`);
			return { content: `Results for ${query}`, preview: '1 result', untrusted: true };
		}
	});
	return { fetchPage, search, fetched };
}

export function fileTools() {
	const written: { path: string; content: string }[] = [];
	const writeFile = tool({
		name: 'write_file',
		title: 'Write a file',
		description: 'Writes a file in the granted folder.',
		schema: v.object({ path: v.string(), content: v.string() }),
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		timeoutMs: 1000,
		describe: ({ path }) => `Write ${path} in your folder`,
		run: async (args) => {
			written.push(args);
			return { content: `Wrote ${args.path}`, preview: args.path, untrusted: false };
		}
	});
	return { writeFile, written };
}

/** Waits `ms`; honours its signal only when `cooperative` (a badly behaved tool must still stop). */
export function slowTool(options: { timeoutMs?: number; cooperative?: boolean } = {}) {
	const started: number[] = [];
	/** When each run's wait ran out; empty while every run was stopped before its time. */
	const finished: number[] = [];
	const t = tool({
		name: 'slow',
		title: 'Slow tool',
		description: 'Takes its time.',
		schema: v.object({ ms: v.number() }),
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: options.timeoutMs ?? 5000,
		describe: ({ ms }) => `Wait ${ms} ms`,
		run: ({ ms }, ctx) =>
			new Promise((resolve, reject) => {
				started.push(Date.now());
				ctx.onOutput('working\n');
				const timer = setTimeout(() => {
					finished.push(Date.now());
					resolve({ content: 'slow done', preview: 'done', untrusted: false });
				}, ms);
				if (options.cooperative) {
					ctx.signal.addEventListener('abort', () => {
						clearTimeout(timer);
						reject(new HearthError('aborted', 'Stopped.'));
					});
				}
			})
	});
	return { tool: t, started, finished };
}

export interface Collected {
	events: AgentEvent[];
	text: string;
	/** Each card with its updates applied, by id. */
	cards: Map<string, ToolCallRecord>;
	done?: Extract<AgentEvent, { type: 'done' }>;
	error?: unknown;
}

export async function collect(
	run: AgentRun,
	onEvent?: (event: AgentEvent) => void
): Promise<Collected> {
	const out: Collected = { events: [], text: '', cards: new Map() };
	try {
		for await (const event of run) {
			out.events.push(event);
			if (event.type === 'text') out.text += event.text;
			if (event.type === 'call') out.cards.set(event.record.id, { ...event.record });
			if (event.type === 'call-update') {
				const card = out.cards.get(event.id);
				if (card) Object.assign(card, event.patch);
			}
			if (event.type === 'done') out.done = event;
			onEvent?.(event);
		}
	} catch (e) {
		out.error = e;
	}
	return out;
}

export function agentInput(
	engine: ScriptedEngine,
	tools: AnyTool[],
	overrides: Partial<AgentRunInput> = {}
): AgentRunInput {
	return {
		engine,
		model: 'scripted',
		messages: [
			{ role: 'system', content: 'You are Hearth.' },
			{ role: 'user', content: overrides.userText ?? 'Hello' }
		],
		tools,
		limits: { maxSteps: 6, maxCalls: 10 },
		userText: 'Hello',
		context: { net: (url, init) => fetch(url, init), settings: DEFAULT_SETTINGS, attachments: [] },
		confirm: async () => true,
		ask: async () => true,
		signal: new AbortController().signal,
		...overrides
	};
}

export function run(input: AgentRunInput): Promise<Collected> {
	return collect(runAgent(input));
}
