// The eval harness: each case of a set runs through the real answer turn (agent, prompts, tools,
// memory, the conversation service) in a throwaway workspace, at temperature 0 with a fixed
// seed, and is graded by deterministic code (plus the optional, labelled model check). Runs are
// plain data; progress is reported per case and a run can be cancelled between or within cases.
import type { ToolApprovals } from '$lib/conversation/ports';
import { ConversationService } from '$lib/conversation/service';
import type * as TurnModule from '$lib/conversation/turn';
import type { EngineChoice, ModelInfo } from '$lib/engine/types';
import type { CodeRunner } from '$lib/evals/graders/code';
import { gradeAll } from '$lib/evals/graders/grade';
import type { Judge } from '$lib/evals/graders/judge';
import { offlineNet } from '$lib/evals/offline-web';
import { sandboxTools } from '$lib/evals/sandbox-tools';
import { EVAL_TOOL_NAMES } from '$lib/evals/tool-names';
import type {
	CaseResult,
	EvalCase,
	EvalRun,
	EvalSet,
	EvalToolCall,
	EvalTranscriptEntry
} from '$lib/evals/types';
import type { OpenWorkspace } from '$lib/evals/workspace';
import { createRegistry } from '$lib/tools/registry';
import type { PythonRunner } from '$lib/tools/python';
import type { HtmlParser } from '$lib/net/readable';
import type { Conversation, Message } from '$lib/types/chat';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';
import { stripReasoning } from '$lib/utils/reasoning';

/** What answers: one engine and model, fixed for the whole run. */
export interface EvalTarget {
	choice: EngineChoice;
	/** "Ollama · qwen2.5:1.5b". */
	label: string;
	/** The model's window and name, when the engine listed it. */
	info?: ModelInfo;
}

export interface HarnessDeps {
	openWorkspace: OpenWorkspace;
	/** The person's settings: agents and their prompts are what is being measured. */
	settings: () => Settings;
	/** run_python inside cases (its network is always off in an eval). */
	python?: PythonRunner;
	/** Runs code-tests graders. */
	code?: CodeRunner;
	/** The optional model-graded check. */
	judge?: Judge;
	/** fetch_page's HTML parser where there is no DOMParser (Node). */
	parseHtml?: HtmlParser;
	loadTurn?: () => Promise<typeof TurnModule>;
	now?: () => number;
	newId?: () => string;
}

export interface EvalOptions {
	signal: AbortSignal;
	seed?: number;
	/** Longest answer per turn (keeps a rambling model from stalling the run). */
	maxTokens?: number;
	/** Only these cases (by id), e.g. re-running the ones that differed. */
	only?: readonly string[];
	/** After each case: how far along, and its result. */
	onProgress?: (progress: EvalProgress) => void;
}

export interface EvalProgress {
	done: number;
	total: number;
	/** The case that just finished. */
	result?: CaseResult;
	/** The case starting now. */
	current?: string;
}

export const DEFAULT_SEED = 42;
const DEFAULT_MAX_TOKENS = 1024;

/**
 * The person's settings as an eval uses them: their agents and prompts, but only the case's
 * tools, the offline web's addresses, no memory proposals and no titles.
 */
export function evalSettings(base: Settings, kase: EvalCase): Settings {
	const offered = new Set(kase.tools ?? []);
	return {
		...base,
		autoTitle: false,
		proposeMemories: false,
		useMemories: true,
		offlineOnly: false,
		pythonNetwork: false,
		searchProvider: 'wikipedia',
		wikipediaUrl: 'https://en.wikipedia.org',
		openMeteoUrl: 'https://api.open-meteo.com',
		openMeteoGeocodingUrl: 'https://geocoding-api.open-meteo.com',
		allowedPrivateHosts: [],
		toolsEnabled: Object.fromEntries(EVAL_TOOL_NAMES.map((name) => [name, offered.has(name)]))
	};
}

export async function runEval(
	set: EvalSet,
	target: EvalTarget,
	deps: HarnessDeps,
	options: EvalOptions
): Promise<EvalRun> {
	const now = deps.now ?? Date.now;
	const cases = options.only ? set.cases.filter((c) => options.only!.includes(c.id)) : set.cases;
	const run: EvalRun = {
		id: (deps.newId ?? (() => crypto.randomUUID()))(),
		setId: set.id,
		setName: set.name,
		setVersion: set.version,
		engine: target.choice.kind,
		model: target.choice.model,
		label: target.label,
		startedAt: now(),
		status: 'running',
		options: { temperature: 0, topP: 1, seed: options.seed ?? DEFAULT_SEED },
		caseCount: cases.length,
		results: [],
		...(deps.judge ? { judge: deps.judge.label } : {})
	};
	for (const kase of cases) {
		if (options.signal.aborted) break;
		options.onProgress?.({ done: run.results.length, total: cases.length, current: kase.id });
		const result = await runCase(kase, target, deps, options, run);
		if (!result) break;
		run.results.push(result);
		options.onProgress?.({ done: run.results.length, total: cases.length, result });
	}
	run.status = options.signal.aborted ? 'cancelled' : 'done';
	run.finishedAt = now();
	return run;
}

/** One case, start to graded result; null when the run was cancelled during it. */
async function runCase(
	kase: EvalCase,
	target: EvalTarget,
	deps: HarnessDeps,
	options: EvalOptions,
	run: EvalRun
): Promise<CaseResult | null> {
	const now = deps.now ?? Date.now;
	const started = now();
	const workspace = await deps.openWorkspace(kase);
	const transcript: EvalTranscriptEntry[] = [];
	const toolCalls: EvalToolCall[] = [];
	let last: Message | undefined;
	let error: HearthError | undefined;
	try {
		const settings = evalSettings(deps.settings(), kase);
		const tools = await sandboxTools(kase, {
			python: deps.python,
			memoryTools: workspace.memoryTools,
			parseHtml: deps.parseHtml
		});
		const requests: string[] = [];
		const service = new ConversationService({
			store: workspace.store,
			engines: {
				choose: async () => target.choice,
				modelInfo: () => target.info
			},
			settings: () => settings,
			tools: {
				registry: async () => createRegistry(tools),
				net: offlineNet(kase.pages ?? {}, requests),
				hasWritableFolder: async () => true,
				attachments: async () => []
			},
			memory: workspace.memory,
			onError: (e) => (error ??= e),
			loadTurn: deps.loadTurn,
			// One save when the answer settles is enough: nobody watches an eval's store.
			saveEveryMs: 60_000
		});
		const approvals: ToolApprovals = {
			confirm: async (record) => (kase.approve ?? []).includes(record.name),
			ask: async () => false
		};
		let conversation: Conversation | null = null;
		let thread: Message[] = [];
		for (const [turn, { text, newConversation }] of kase.turns.entries()) {
			if (!conversation || newConversation) {
				const created = await service.createConversation(text);
				conversation = {
					...created,
					pin: { engine: target.choice.kind, model: target.choice.model },
					options: {
						temperature: run.options.temperature,
						topP: run.options.topP,
						seed: run.options.seed,
						maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS
					},
					agentId: kase.agent ?? 'chat'
				};
				thread = [];
			}
			const user = await service.addMessage({
				conversationId: conversation.id,
				parentId: thread.at(-1)?.id ?? null,
				role: 'user',
				content: text,
				status: 'done'
			});
			thread.push(user);
			transcript.push({ role: 'user', text });
			const answer = await service.addMessage({
				conversationId: conversation.id,
				parentId: user.id,
				role: 'assistant',
				content: '',
				status: 'streaming'
			});
			// The service applies every event to `answer` itself; the eval only needs the end.
			const events = service.answer({
				answer,
				thread: [...thread],
				conversation,
				append: false,
				approvals,
				signal: options.signal
			});
			for await (const event of events) void event;
			if (options.signal.aborted) return null;
			thread.push(answer);
			last = answer;
			transcript.push({ role: 'assistant', text: answer.content, status: answer.status });
			for (const call of answer.toolCalls ?? []) {
				toolCalls.push({
					turn,
					name: call.name,
					args: call.args,
					status: call.status,
					...(call.durationMs !== undefined ? { durationMs: call.durationMs } : {}),
					...(call.error ? { errorCode: call.error.code } : {}),
					...(call.sources ? { sources: call.sources } : {})
				});
			}
			if (answer.status === 'error' && answer.error) {
				error = new HearthError(answer.error.code, answer.error.message);
			}
		}
		const graded = await gradeAll(
			kase.graders,
			{
				answer: stripReasoning(last?.content ?? ''),
				question: kase.turns.at(-1)?.text ?? '',
				toolCalls,
				timings: last?.timings,
				finalTurn: kase.turns.length - 1
			},
			{ code: deps.code, judge: deps.judge, signal: options.signal }
		);
		return {
			caseId: kase.id,
			category: kase.category,
			pass: graded.pass && !(error && last?.status === 'error'),
			graders: graded.results,
			transcript,
			toolCalls,
			...(last?.timings ? { timings: last.timings } : {}),
			...(last?.usage ? { usage: last.usage } : {}),
			wallMs: now() - started,
			...(error ? { error: error.toJSON() } : {})
		};
	} catch (e) {
		const failure = toHearthError(e);
		if (failure.code === 'aborted' || options.signal.aborted) return null;
		return {
			caseId: kase.id,
			category: kase.category,
			pass: false,
			graders: [],
			transcript,
			toolCalls,
			wallMs: now() - started,
			error: failure.toJSON()
		};
	} finally {
		await workspace.dispose().catch(() => undefined);
	}
}
