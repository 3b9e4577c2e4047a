// Picks the agent for a request: a deterministic scoring classifier first (instant, no model),
// and only when its scores are close, one JSON-constrained question to the model.
import type { AgentDef, BuiltInAgentId } from '$lib/agent/agents';
import { BUILT_IN_AGENT_IDS, isBuiltInAgentId } from '$lib/agent/agents';
import type { LlmEngine } from '$lib/engine/types';
import type { JsonSchema } from '$lib/types/tools';
import { stripReasoning } from '$lib/utils/reasoning';

export interface Route {
	agentId: string;
	/** Plain words for the UI: why this agent answered. */
	reason: string;
	/** 0..1: how clearly the request belonged to this agent. */
	confidence: number;
}

export interface RouteScores {
	scores: Record<BuiltInAgentId, number>;
	/** The labels of the features that fired, per agent. */
	matched: Record<BuiltInAgentId, string[]>;
}

export interface RouterDeps {
	engine: LlmEngine;
	model: string;
	signal?: AbortSignal;
	/** How long the model may take before the heuristic's choice stands. */
	timeoutMs?: number;
}

/** Below this, the heuristic's pick is a guess and the model is asked (when one is given). */
export const AMBIGUOUS_BELOW = 0.6;
export const ROUTER_TIMEOUT_MS = 4000;
/** Nothing matched: casual chat is the safe default (no tools that act, no searching). */
const CHAT_PRIOR = 0.5;
/** The model only needs the gist; long pastes would slow a small model down for nothing. */
const MAX_ROUTE_CHARS = 1500;

interface Feature {
	agent: BuiltInAgentId;
	weight: number;
	/** Shown in the route's reason ("Looks like code: a code block"). */
	label: string;
	test: RegExp;
}

const f = (agent: BuiltInAgentId, weight: number, label: string, test: RegExp): Feature => ({
	agent,
	weight,
	label,
	test
});

const LANGS =
	/\b(python|javascript|typescript|node\.?js|rust|golang|java|kotlin|swift|c\+\+|c#|ruby|php|sql|bash|shell|powershell|regex|css|html|react|svelte|vue|matplotlib|pandas|numpy|vitest|jest|git|docker|json|yaml)\b|\b(?:in|with|using) (?:go|c|js|ts)\b/i;
const CODE_EXT =
	/\b[\w-]+\.(py|js|mjs|ts|tsx|jsx|rs|go|java|kt|c|cpp|h|cs|rb|php|sh|sql|ipynb|csv|json|xlsx)\b/i;

/** Weighted signals per agent. Weights were set by hand against ROUTER_CASES (see router-cases). */
const ROUTE_FEATURES: readonly Feature[] = [
	// code
	f('code', 5, 'a code block', /```/),
	f('code', 1.5, 'inline code', /`[^`\n]+`/),
	f(
		'code',
		4,
		'an error message',
		/traceback|\b\w*(error|exception)\b\s*:|segmentation fault|core dumped|stack ?trace|\berror ts\d+/i
	),
	f('code', 2.5, 'a programming language', LANGS),
	f('code', 2, 'a code file', CODE_EXT),
	f(
		'code',
		2.5,
		'code syntax',
		/=>|\bdef \w+\(|\breturn\b.*[()]|[{};]\s*$|\w+\([^)]*\)\.\w+|\b\w+ ?[+\-*/!=]=|\bwhile\b.*:/m
	),
	f(
		'code',
		3,
		'asks for code',
		/\b(write|implement|generate|create|refactor|debug|fix)\b.{0,30}\b(function|script|program|class|query|regex|unit test|test|method|loop|algorithm|code)\b/i
	),
	f(
		'code',
		2,
		'programming words',
		/\b(function|class|method|variable|array|closure|recursion|async|await|compile[rd]?|refactor|debug|bug|algorithm|complexity|o\(n|unit test|api|runtime|syntax)\b/i
	),
	f(
		'code',
		2,
		'data analysis or plotting',
		/\b(plot|chart|graph|histogram|simulate|simulation|distribution|dataframe|column)\b/i
	),
	f('code', 1.5, 'asks for a script', /\b(script|program)\b/i),
	// research
	f(
		'research',
		2,
		'a who/when/where question',
		/^(who|when|where|which)\b|\b(who (is|was|won|invented|wrote|painted|discovered)|when (was|did|is)|where (is|was))\b/i
	),
	f(
		'research',
		1.5,
		'a question of fact',
		/^(what|how|why)\b.*\?$|^(what|how) (is|are|was|were|does|did|do)\b/i
	),
	f(
		'research',
		3,
		'asks for sources',
		/\b(sources?|cite|citations?|references?|according to|evidence|study|studies|paper|papers|peer[- ]reviewed)\b/i
	),
	f(
		'research',
		2.5,
		'recent events',
		/\b(latest|news|current(ly)?|recent(ly)?(?! call)|most recent(?! call)|this (week|month|year)'?s?)\b/i
	),
	f('research', 1, 'a year', /\b(1[5-9]|20)\d\d\b/),
	f('research', 3.5, 'a web address', /https?:\/\/\S+|\bwww\.\S+/i),
	f(
		'research',
		3,
		'asks to look something up',
		/\b((?<!(binary|linear|depth-first|breadth-first) )search|look (it |this )?up|look up|google|find (out|information|info|sources|the paper|articles?)|fact[- ]check|is it true)\b/i
	),
	f(
		'research',
		2,
		'a general-knowledge subject',
		/\b(history|population|capital|president|prime minister|invented|discovered|founded|born|died|causes?|effects?|side effects|difference between|specs|reviews?|compare|summit|how does .+ work)\b/i
	),
	f(
		'research',
		3,
		"the user's documents",
		/\b(my (notes|documents?|uploaded|pdf|contract)|uploaded|what did i write)\b/i
	),
	// task
	f('task', 5, 'a reminder', /\b(remind|reminders?|alarm|wake me)\b/i),
	f(
		'task',
		5,
		'the weather',
		/\b(weather|forecast|rain|umbrella|snow|sunny|windy|temperature (in|outside|today|tomorrow))\b/i
	),
	f(
		'task',
		3.5,
		'the date or time',
		/\b(what time|time (is it|in|now)|today'?s date|what('s| is) the date|what day|days (until|till|left)|how long until|o'clock)\b/i
	),
	f(
		'task',
		3.5,
		'arithmetic',
		/\d\s*[+*/×÷]\s*\d|\d\s+[-x]\s+\d|\d+(\.\d+)?\s*%\s*of\s+\d|\bcalculate\b|\bconvert \d|\bsplit between\b|\btip\b/i
	),
	f(
		'task',
		1.5,
		'a unit conversion',
		/\b(fahrenheit|celsius|miles?|km|kilometers?|pounds?|kg|euros?|dollars?|inches|cm)\b/i
	),
	f(
		'task',
		4,
		'working with files',
		/\b(save|create|rename|delete|remove|move|list|open|read|write|add)\b.{0,40}\b(files?|folder|directory|backup|[\w-]+\.(txt|md))\b/i
	),
	f(
		'task',
		4,
		'organising files',
		/\b(organi[sz]e|tidy( up)?|sort( out)?|clean up|declutter|arrange)\b.{0,40}\b(files?|folders?|downloads|desktop|documents|photos|pictures|directory)\b/i
	),
	f(
		'task',
		4,
		'a project skeleton',
		/\b(project (structure|skeleton|layout|scaffold(ing)?)|folder structure|scaffold|boilerplate)\b/i
	),
	f(
		'task',
		2.5,
		'a schedule',
		/\b(schedule|every (mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow at|at \d{1,2}(:\d\d)?\s*(am|pm)?\b|in \d+ (minutes|hours))\b/i
	),
	f(
		'task',
		1,
		'an instruction',
		/^(set|cancel|save|create|delete|rename|list|show me my|open|add|schedule|remind)\b/i
	),
	// chat
	f(
		'chat',
		5,
		'a greeting or reply',
		/^(hi|hello|hey|yo|good (morning|evening|night|afternoon)|goodnight|good night|thanks|thank you|ok|okay|lol|haha|bye|cool|nice|great)\b[\s!.,:)(]*/i
	),
	f(
		'chat',
		3.5,
		'asks for an opinion',
		/\b(what do you think|your favou?rite|do you (like|enjoy|love)|would you rather|thoughts\?|your opinion|should i)\b/i
	),
	f(
		'chat',
		3.5,
		'feelings',
		/\b(i feel|i'?m (so |really )?(nervous|sad|happy|tired|stressed|bored|lonely|anxious)|rough day|vent|cheer me up|motivated)\b/i
	),
	f(
		'chat',
		3.5,
		'creative writing',
		/\b(poem|story|joke|song|haiku|limerick|birthday message|name for|ideas for|rephrase|reword|reply to|message for|letter to|word game|let'?s play)\b/i
	),
	f(
		'chat',
		2,
		'about the user',
		/\b(my name is|i love|i like|i think|i had|i prefer|i live in|i work (as|at|in|for))\b/i
	),
	// "Remember that I prefer Python" is about the person, not about Python: it outweighs any
	// topic words (Chat keeps memories; see also tool-requests.ts).
	f(
		'chat',
		8,
		'asks to remember or forget something',
		/^\s*(?:(?:please|ok(?:ay)?|hey|also)[,\s]+)?(?:remember|don'?t forget|keep in mind|forget)\b(?!\s+(?:when|what|how|if|whether)\b)/i
	),
	f('chat', 2, 'advice', /\b(advice|tips for|how can i be|what should i (cook|do|eat|wear))\b/i)
];

const NAMES: Record<BuiltInAgentId, string> = {
	code: 'code',
	research: 'a question to look up',
	task: 'a task',
	chat: 'conversation'
};

/** Scores a request for each built-in agent; each feature counts once. */
export function scoreRequest(text: string): RouteScores {
	const scores: Record<BuiltInAgentId, number> = {
		code: 0,
		research: 0,
		task: 0,
		chat: CHAT_PRIOR
	};
	const matched: Record<BuiltInAgentId, string[]> = { code: [], research: [], task: [], chat: [] };
	const trimmed = text.trim();
	for (const feature of ROUTE_FEATURES) {
		if (feature.test.test(trimmed)) {
			scores[feature.agent] += feature.weight;
			matched[feature.agent].push(feature.label);
		}
	}
	return { scores, matched };
}

/** Softmax of the candidates' scores: a clear winner gives ~1, a tie gives 1/n. */
function softmax(scores: number[]): number[] {
	const max = Math.max(...scores);
	const exp = scores.map((s) => Math.exp(s - max));
	const sum = exp.reduce((a, b) => a + b, 0);
	return exp.map((e) => e / sum);
}

/** The heuristic's route, among `candidates` (built-in ids). Never asks a model. */
export function heuristicRoute(
	text: string,
	candidates: readonly BuiltInAgentId[] = BUILT_IN_AGENT_IDS
): Route {
	const ids = candidates.length > 0 ? candidates : BUILT_IN_AGENT_IDS;
	const { scores, matched } = scoreRequest(text);
	const probs = softmax(ids.map((id) => scores[id]));
	let best = 0;
	for (let i = 1; i < ids.length; i++) if (probs[i]! > probs[best]!) best = i;
	const agentId = ids[best]!;
	const why = matched[agentId];
	const reason =
		why.length > 0
			? `Looks like ${NAMES[agentId]}: ${why.slice(0, 3).join(', ')}.`
			: `Nothing pointed elsewhere, so ${NAMES[agentId]}.`;
	return { agentId, reason, confidence: round(probs[best]!) };
}

const round = (n: number): number => Math.round(n * 100) / 100;

function routerPrompt(ids: readonly BuiltInAgentId[]): string {
	const what: Record<BuiltInAgentId, string> = {
		code: 'code: writing, fixing, explaining or running code; data analysis; plots',
		research: 'research: questions of fact, news, looking things up, documents and sources',
		task: 'task: reminders, time and dates, weather, arithmetic, reading or changing files',
		chat: 'chat: greetings, feelings, opinions, advice, stories and other writing'
	};
	return [
		'Choose which assistant should answer the user. The assistants are:',
		...ids.map((id) => `- ${what[id]}`),
		'Reply with JSON only: {"agent": "<name>"}.'
	].join('\n');
}

/** Asks the model once; null on any failure, time-out or reply outside `ids`. */
async function askModel(text: string, ids: readonly BuiltInAgentId[], deps: RouterDeps) {
	const timeout = AbortSignal.timeout(deps.timeoutMs ?? ROUTER_TIMEOUT_MS);
	const signal = deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout;
	const schema: JsonSchema = {
		type: 'object',
		properties: { agent: { type: 'string', enum: [...ids] } },
		required: ['agent'],
		additionalProperties: false
	};
	let raw = '';
	try {
		const request = {
			model: deps.model,
			messages: [
				{ role: 'system' as const, content: routerPrompt(ids) },
				{ role: 'user' as const, content: text.slice(0, MAX_ROUTE_CHARS) }
			],
			options: { temperature: 0, maxTokens: 24 },
			responseSchema: schema
		};
		for await (const delta of deps.engine.chat(request, signal)) {
			if (delta.type === 'text') raw += delta.text;
		}
	} catch {
		return null;
	}
	return parseAgentReply(raw, ids);
}

/** The agent named in a model's reply, tolerating stray text around the JSON; null if none. */
export function parseAgentReply(raw: string, ids: readonly string[]): string | null {
	const body = stripReasoning(raw);
	const json = /\{[\s\S]*\}/.exec(body)?.[0];
	if (!json) return null;
	try {
		const value: unknown = JSON.parse(json);
		if (value && typeof value === 'object' && 'agent' in value) {
			const agent = String((value as { agent: unknown }).agent)
				.trim()
				.toLowerCase();
			return ids.includes(agent) ? agent : null;
		}
	} catch {
		// Malformed JSON: the heuristic stands.
	}
	return null;
}

/**
 * Routes a request to one of the built-in agents in `agents` (user-defined agents are only ever
 * chosen explicitly). The heuristic decides when it is clear; when it is not and `deps` gives a
 * model, the model picks, and any failure or slow reply leaves the heuristic's choice. Never
 * throws: a stopped answer is noticed by the caller through its own signal.
 */
export async function routeRequest(
	text: string,
	agents: readonly AgentDef[],
	deps?: RouterDeps
): Promise<Route> {
	const ids = BUILT_IN_AGENT_IDS.filter((id) => agents.some((a) => a.id === id && a.builtIn));
	const guess = heuristicRoute(text, ids);
	if (!deps || guess.confidence >= AMBIGUOUS_BELOW || ids.length < 2) return guess;
	const picked = await askModel(text, ids.length > 0 ? ids : BUILT_IN_AGENT_IDS, deps);
	if (!picked || !isBuiltInAgentId(picked)) return guess;
	return {
		agentId: picked,
		reason: `The model judged it ${NAMES[picked]} (the request was not clear-cut).`,
		confidence: picked === guess.agentId ? Math.max(guess.confidence, AMBIGUOUS_BELOW) : 0.5
	};
}
