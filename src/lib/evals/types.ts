// Evals as data: a case is what to ask and how to grade the answer, a set is a versioned list of
// cases, a run is what one engine and model did with a set. Plain data throughout, so sets and
// runs are stored, exported, imported and compared without any code travelling with them.
import type { EngineKind, Timings, Usage } from '$lib/types/llm';
import type { SerializedError } from '$lib/types/errors';
import type { MessageStatus } from '$lib/types/chat';
import type { ToolCallStatus } from '$lib/types/tools';

export const EVAL_CATEGORIES = [
	'arithmetic',
	'facts',
	'tools',
	'knowledge',
	'memory',
	'code',
	'reasoning',
	'injection',
	'speed',
	'custom'
] as const;
export type EvalCategory = (typeof EVAL_CATEGORIES)[number];

export type JsonValue =
	string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What one argument of a tool call must be. A bare value is compared after normalisation
 * (case, spacing and trailing punctuation of strings; numbers given as text); the object forms
 * say how else to compare.
 */
export type ArgExpectation =
	| string
	| number
	| boolean
	| { is: JsonValue }
	| { contains: string }
	| { matches: string }
	| { near: number; tolerance?: number }
	| { present: true };

/** A deterministic check, or the optional model-graded one (labelled as such everywhere). */
export type Grader =
	/** The answer equals the text; `normalise` (default on) ignores case, spacing, punctuation. */
	| { kind: 'exact'; expected: string; normalise?: boolean }
	/** Every phrase appears in the answer (normalised), or any one with `any`. */
	| { kind: 'contains'; expected: string[]; any?: boolean }
	/** The answer matches a regular expression (with `absent`, it must not). */
	| { kind: 'regex'; pattern: string; flags?: string; absent?: boolean }
	/** The last number in the answer is within `tolerance` (absolute) of `expected`. */
	| { kind: 'numeric'; expected: number; tolerance?: number }
	/** The answer holds JSON whose value at `path` ($.a.b[0]) equals `expected`. */
	| { kind: 'json-path'; path: string; expected: JsonValue }
	/** A call to `tool` was made (in `turn`, else any turn) with these arguments. */
	| { kind: 'tool-call'; tool: string; args?: Record<string, ArgExpectation>; turn?: number }
	/**
	 * None of these tools was called at all, not even proposed and refused (with `args`: no call
	 * with such arguments, e.g. a fetch of the attacker's address).
	 */
	| { kind: 'no-tool'; tools: string[]; args?: Record<string, ArgExpectation> }
	/** The answer's Python code passes the hidden tests in the sandbox. */
	| { kind: 'code-tests'; tests: string }
	/** The answer cites ([n]) the passage with this id from its search_knowledge results. */
	| { kind: 'citation'; passage: string }
	/** The answer came within these times (the roadmap's goal: first token under 1 s). */
	| { kind: 'latency'; maxFirstTokenMs?: number; maxTotalMs?: number }
	/** A model judges the answer against the rubric: labelled, never a category's only grader. */
	| { kind: 'model'; rubric: string };

export type GraderKind = Grader['kind'];

/** A document a knowledge case searches: its passages, each with an id citations are checked by. */
export interface EvalDocument {
	id: string;
	name: string;
	passages: { id: string; text: string }[];
}

export interface EvalTurn {
	text: string;
	/** Ask this in a new conversation (memory cases recall what an earlier one stored). */
	newConversation?: boolean;
}

export interface EvalCase {
	id: string;
	category: EvalCategory;
	/** What the person asks, in order; graders read the last answer unless told otherwise. */
	turns: EvalTurn[];
	/** All must pass. */
	graders: Grader[];
	/** Tools offered, by name; absent: none (a plain answer). */
	tools?: string[];
	/** The agent that answers (its prompt and tools); absent: the chat agent. */
	agent?: string;
	/** Side-effect calls the eval says yes to; every other one is refused (and recorded). */
	approve?: string[];
	/** Pages of the eval's offline web this case adds (URL → HTML or text). */
	pages?: Record<string, string>;
	/** The documents search_knowledge finds. */
	documents?: EvalDocument[];
	/** Files in the sandbox's scratch folder before the case runs. */
	files?: Record<string, string>;
	/** Why the case exists, for the person reading results. */
	note?: string;
}

export interface EvalSet {
	id: string;
	name: string;
	/** Raised whenever cases change, so runs of different versions are not compared blindly. */
	version: number;
	description?: string;
	/** Shipped with Hearth (read-only in the app). */
	builtIn?: boolean;
	cases: EvalCase[];
	updatedAt?: number;
}

export interface GraderResult {
	kind: GraderKind;
	pass: boolean;
	/** In words: what was expected and what was found. */
	reason: string;
	/** True for the model-graded check. */
	modelGraded?: boolean;
	/** Not run (a model-graded check with no judge chosen); it does not count either way. */
	skipped?: boolean;
}

/** One tool call as the eval saw it. */
export interface EvalToolCall {
	turn: number;
	name: string;
	args: unknown;
	status: ToolCallStatus;
	durationMs?: number;
	errorCode?: string;
	/** The sources its result listed (search results, passages), in order. */
	sources?: { title: string; url: string }[];
}

export interface EvalTranscriptEntry {
	role: 'user' | 'assistant';
	text: string;
	/** Assistant turns: how the answer ended. */
	status?: MessageStatus;
}

export interface CaseResult {
	caseId: string;
	category: EvalCategory;
	pass: boolean;
	graders: GraderResult[];
	transcript: EvalTranscriptEntry[];
	toolCalls: EvalToolCall[];
	/** The last answer's timings (first token, total, decode speed) and token counts. */
	timings?: Timings;
	usage?: Usage;
	/** Wall time of the whole case, all turns. */
	wallMs: number;
	error?: SerializedError;
}

export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed';

export interface EvalRun {
	id: string;
	setId: string;
	setName: string;
	setVersion: number;
	engine: EngineKind;
	model: string;
	/** "Ollama · qwen2.5:1.5b". */
	label: string;
	startedAt: number;
	finishedAt?: number;
	status: RunStatus;
	/** What generation was asked for (the engine may not honour the seed). */
	options: { temperature: number; seed: number; topP: number };
	/** Cases in the set when the run started (a cancelled run has fewer results). */
	caseCount: number;
	results: CaseResult[];
	error?: SerializedError;
	/** The model that judged model-graded checks, when any ran. */
	judge?: string;
}
