// Modes and agents are one concept: an AgentDef is a prompt, examples, a tool subset and a
// preferred model. Four are built in; settings.customAgents edits them (same id) or adds more.
import {
	CHAIN_OF_THOUGHT,
	CHAT_PROMPT,
	CODE_PROMPT,
	RESEARCH_EXAMPLES,
	RESEARCH_PROMPT,
	TASK_PROMPT,
	TOOL,
	missingToolsLine,
	todayLine
} from '$lib/agent/prompts';
import type { ChatMessage, EngineKind } from '$lib/engine/types';
import type { CustomAgent, Settings } from '$lib/types/settings';

export type BuiltInAgentId = 'code' | 'research' | 'task' | 'chat';
export const BUILT_IN_AGENT_IDS: readonly BuiltInAgentId[] = ['code', 'research', 'task', 'chat'];

export interface AgentExample {
	user: string;
	assistant: string;
}

export interface AgentDef {
	id: string;
	name: string;
	description: string;
	systemPrompt: string;
	examples: AgentExample[];
	/** Tool names it may use (intersected with the enabled tools at run time); empty = none. */
	tools: string[];
	/** Preferred model as "engine:model"; "" = the conversation's. */
	model: string;
	/** Ask for step-by-step reasoning (skipped for models that reason by themselves). */
	chainOfThought: boolean;
	/** Critique-and-revise default; settings.reflection[id] overrides it. */
	reflect: boolean;
	builtIn: boolean;
	/** A built-in agent the user changed (it can be reset). */
	edited: boolean;
}

const builtIn = (def: Omit<AgentDef, 'builtIn' | 'edited'>): AgentDef =>
	Object.freeze({ ...def, builtIn: true, edited: false });

/** Defaults, never mutated: agentsFrom copies them. */
const TIME_TOOLS = [TOOL.currentTime, TOOL.convertTime, TOOL.dateDifference, TOOL.dayOfWeek];

export const BUILT_IN_AGENTS: readonly AgentDef[] = [
	builtIn({
		id: 'code',
		name: 'Code',
		description: 'Writes, runs and fixes code.',
		systemPrompt: CODE_PROMPT,
		examples: [],
		tools: [
			TOOL.runPython,
			TOOL.calculator,
			TOOL.listFiles,
			TOOL.findFiles,
			TOOL.readFile,
			TOOL.planFileChanges
		],
		model: '',
		// Working through a problem before writing code pays off; chat and tasks want quick replies.
		chainOfThought: true,
		reflect: true
	}),
	builtIn({
		id: 'research',
		name: 'Research',
		description: 'Looks things up and cites its sources, or says it is unsure.',
		systemPrompt: RESEARCH_PROMPT,
		examples: RESEARCH_EXAMPLES,
		tools: [TOOL.webSearch, TOOL.fetchPage, TOOL.searchKnowledge, TOOL.recallConversations],
		model: '',
		chainOfThought: false,
		reflect: true
	}),
	builtIn({
		id: 'task',
		name: 'Tasks',
		description: 'Sets reminders, checks the time and weather, works with files.',
		systemPrompt: TASK_PROMPT,
		examples: [],
		tools: [
			TOOL.setReminder,
			TOOL.listReminders,
			TOOL.cancelReminder,
			...TIME_TOOLS,
			TOOL.weather,
			TOOL.calculator,
			TOOL.listFiles,
			TOOL.findFiles,
			TOOL.readFile,
			TOOL.writeFile,
			TOOL.createFile,
			TOOL.planFileChanges
		],
		model: '',
		chainOfThought: false,
		reflect: false
	}),
	builtIn({
		id: 'chat',
		name: 'Chat',
		description: 'Casual conversation, opinions and advice.',
		systemPrompt: CHAT_PROMPT,
		examples: [],
		tools: [
			TOOL.currentTime,
			TOOL.calculator,
			TOOL.weather,
			TOOL.remember,
			TOOL.forget,
			TOOL.recallConversations
		],
		model: '',
		chainOfThought: false,
		reflect: false
	})
];

export function isBuiltInAgentId(id: string): id is BuiltInAgentId {
	return (BUILT_IN_AGENT_IDS as readonly string[]).includes(id);
}

export function builtInAgent(id: string): AgentDef | undefined {
	return BUILT_IN_AGENTS.find((a) => a.id === id);
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/** Stored settings come from old versions and imports: every field is checked, never trusted. */
function cleanExamples(v: unknown, fallback: AgentExample[]): AgentExample[] {
	if (!Array.isArray(v)) return fallback.map((e) => ({ ...e }));
	return v
		.filter((e): e is AgentExample => !!e && typeof e === 'object')
		.map((e) => ({ user: str(e.user, ''), assistant: str(e.assistant, '') }))
		.filter((e) => e.user.trim() !== '' || e.assistant.trim() !== '');
}

function cleanTools(v: unknown, fallback: string[]): string[] {
	if (!Array.isArray(v)) return [...fallback];
	return [...new Set(v.filter((t): t is string => typeof t === 'string' && t !== ''))];
}

function merge(base: AgentDef | undefined, custom: CustomAgent): AgentDef {
	const name = str(custom.name, '').trim() || base?.name || 'Untitled agent';
	return {
		id: custom.id,
		name,
		description: str(custom.description, base?.description ?? ''),
		systemPrompt: str(custom.systemPrompt, base?.systemPrompt ?? ''),
		examples: cleanExamples(custom.examples, base?.examples ?? []),
		tools: cleanTools(custom.tools, base?.tools ?? []),
		model: str(custom.model, base?.model ?? '').trim(),
		chainOfThought:
			typeof custom.chainOfThought === 'boolean'
				? custom.chainOfThought
				: (base?.chainOfThought ?? false),
		reflect: base?.reflect ?? false,
		builtIn: !!base,
		edited: !!base
	};
}

/**
 * The agents the user has: the four built-ins (each replaced by the user's edit with the same id)
 * in a fixed order, then the user's own agents in the order they were added.
 */
export function agentsFrom(settings: Pick<Settings, 'customAgents'>): AgentDef[] {
	const custom = new Map<string, CustomAgent>();
	for (const c of Array.isArray(settings.customAgents) ? settings.customAgents : []) {
		// The first entry for an id wins: a duplicate can only come from a bad import.
		if (c && typeof c.id === 'string' && c.id !== '' && !custom.has(c.id)) custom.set(c.id, c);
	}
	const agents = BUILT_IN_AGENTS.map((b) => {
		const c = custom.get(b.id);
		return c
			? merge(b, c)
			: { ...b, examples: b.examples.map((e) => ({ ...e })), tools: [...b.tools] };
	});
	for (const [id, c] of custom) if (!isBuiltInAgentId(id)) agents.push(merge(undefined, c));
	return agents;
}

export function findAgent(
	agents: readonly AgentDef[],
	id: string | undefined
): AgentDef | undefined {
	return id === undefined ? undefined : agents.find((a) => a.id === id);
}

export interface PromptContext {
	now: Date;
	/** The tools this answer can really call (the agent's, minus disabled or unavailable ones). */
	toolNames: readonly string[];
	/** The model reasons by itself (<think>), so no chain-of-thought instruction is added. */
	reasoningModel?: boolean;
}

/**
 * The system prompt for one answer: the user's global prompt (their standing instructions), the
 * agent's prompt, which of its tools are missing, a chain-of-thought instruction, today's date.
 */
export function systemPromptFor(
	agent: AgentDef,
	userSystemPrompt: string,
	context: PromptContext
): string {
	const available = new Set(context.toolNames);
	const missing = agent.tools.filter((t) => !available.has(t));
	const parts = [
		userSystemPrompt.trim(),
		agent.systemPrompt.trim(),
		missingToolsLine(missing, context.toolNames.length),
		agent.chainOfThought && !context.reasoningModel ? CHAIN_OF_THOUGHT : null,
		todayLine(context.now)
	];
	return parts.filter((p): p is string => !!p).join('\n\n');
}

/** The agent's few-shot examples as turns to place between the system prompt and the thread. */
export function exampleMessages(agent: AgentDef): ChatMessage[] {
	return agent.examples
		.filter((e) => e.user.trim() !== '' && e.assistant.trim() !== '')
		.flatMap((e): ChatMessage[] => [
			{ role: 'user', content: e.user.trim() },
			{ role: 'assistant', content: e.assistant.trim() }
		]);
}

/** Whether answers by this agent get a critique-and-revise pass. */
export function reflectionOn(agent: AgentDef, settings: Pick<Settings, 'reflection'>): boolean {
	return settings.reflection?.[agent.id] ?? agent.reflect;
}

/** An agent's preferred model, split; null when it uses the conversation's (or is malformed). */
export function agentModel(
	agent: Pick<AgentDef, 'model'>
): { engine: EngineKind; model: string } | null {
	const match = /^(ollama|webllm|openai):(.+)$/.exec(agent.model.trim());
	return match ? { engine: match[1] as EngineKind, model: match[2]! } : null;
}

/** The stored form of an agent (what the settings editor saves). */
export function toCustomAgent(agent: AgentDef): CustomAgent {
	return {
		id: agent.id,
		name: agent.name,
		description: agent.description,
		systemPrompt: agent.systemPrompt,
		examples: agent.examples.map((e) => ({ user: e.user, assistant: e.assistant })),
		tools: [...agent.tools],
		model: agent.model,
		chainOfThought: agent.chainOfThought
	};
}

/** customAgents with `agent` saved: replaces the entry with its id, or adds it. */
export function withAgentSaved(
	customAgents: readonly CustomAgent[],
	agent: CustomAgent
): CustomAgent[] {
	const others = customAgents.filter((c) => c.id !== agent.id);
	const at = customAgents.findIndex((c) => c.id === agent.id);
	if (at < 0) return [...others, agent];
	return [...others.slice(0, at), agent, ...others.slice(at)];
}

/** customAgents without `id`: resets an edited built-in, deletes a user-defined agent. */
export function withAgentRemoved(customAgents: readonly CustomAgent[], id: string): CustomAgent[] {
	return customAgents.filter((c) => c.id !== id);
}

/** A new, unused id for a user-defined agent, derived from its name ("My tutor" → "my-tutor"). */
export function newAgentId(name: string, taken: readonly string[]): string {
	const base =
		name
			.toLowerCase()
			.normalize('NFKD')
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.slice(0, 32) || 'agent';
	const used = new Set([...taken, ...BUILT_IN_AGENT_IDS]);
	if (!used.has(base)) return base;
	for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
