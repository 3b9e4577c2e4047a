// Setting up one answer: which agent answers, which tools it may call, and the messages it gets.
// Pure functions: the chat state calls them and owns saving and the UI.
import { agentsFrom, exampleMessages, findAgent, type AgentDef } from '$lib/agent/agents';
import { routeRequest } from '$lib/agent/router';
import { requestedTools, unmetRequests, type ToolRequest } from '$lib/agent/tool-requests';
import type { ChatMessage, LlmEngine } from '$lib/engine/types';
import type { ToolRegistry } from '$lib/tools/registry';
import type { AnyTool } from '$lib/tools/types';
import type { Message } from '$lib/types/chat';
import type { Settings } from '$lib/types/settings';

/** The casual agent: what answers when routing is off and nothing else is chosen. */
const FALLBACK_AGENT = 'chat';

export interface AgentChoice {
	agent: AgentDef;
	info: NonNullable<Message['agent']>;
	/** Tools added for this answer because the person asked for them by name. */
	extraTools: string[];
}

export interface ChooseAgentInput {
	settings: Settings;
	/** The conversation's own choice (pinned by the user). */
	pinnedId?: string;
	/** A choice made for this answer already (retry, or re-asking with another agent). */
	previous?: Message['agent'];
	userText: string;
	/** For close calls the router asks the model once; left out, the heuristic decides. */
	router?: { engine: LlmEngine; model: string; signal?: AbortSignal };
}

/**
 * The user's choice wins (this answer's, then the conversation's); then the router, when on;
 * otherwise the casual agent. An id that no longer exists (a deleted agent) falls through.
 */
export async function chooseAgent(input: ChooseAgentInput): Promise<AgentChoice> {
	const requests = requestedTools(input.userText);
	// A request that names its tool settles the agent: the model is not asked to route it.
	const choice = await pickAgent(requests.length > 0 ? { ...input, router: undefined } : input);
	return serveRequests(choice, agentsFrom(input.settings), requests);
}

async function pickAgent(input: ChooseAgentInput): Promise<Omit<AgentChoice, 'extraTools'>> {
	const agents = agentsFrom(input.settings);
	const byUser = (
		id: string | undefined,
		reason: string
	): Omit<AgentChoice, 'extraTools'> | null => {
		const agent = findAgent(agents, id);
		return agent
			? { agent, info: { id: agent.id, name: agent.name, chosenBy: 'user', reason } }
			: null;
	};
	const chosen =
		(input.previous?.chosenBy === 'user'
			? byUser(input.previous.id, baseReason(input.previous.reason) ?? 'You chose this agent.')
			: null) ?? byUser(input.pinnedId, 'You chose this agent for the conversation.');
	if (chosen) return chosen;
	if (input.previous?.chosenBy === 'router') {
		const agent = findAgent(agents, input.previous.id);
		if (agent) {
			const { id, chosenBy } = input.previous;
			return {
				agent,
				info: { id, name: agent.name, chosenBy, reason: baseReason(input.previous.reason) }
			};
		}
	}
	if (input.settings.agentRouting) {
		const route = await routeRequest(input.userText, agents, input.router);
		const agent = findAgent(agents, route.agentId);
		if (agent) {
			return {
				agent,
				info: { id: agent.id, name: agent.name, chosenBy: 'router', reason: route.reason }
			};
		}
	}
	const agent = findAgent(agents, FALLBACK_AGENT) ?? agents[0]!;
	return {
		agent,
		info: { id: agent.id, name: agent.name, chosenBy: 'router', reason: 'Automatic choice is off.' }
	};
}

/** A reason without the note about tools added for one answer (worked out again each time). */
function baseReason(reason: string | undefined): string | undefined {
	return reason?.replace(/\s*Also given .*$/s, '') || undefined;
}

/**
 * A request that names a tool is never stranded by the agent that was picked: the router's pick
 * moves to a built-in agent that has every tool asked for (and says so); an agent the person
 * chose keeps answering, with the missing tools added for this answer.
 */
export function serveRequests(
	choice: Omit<AgentChoice, 'extraTools'>,
	agents: readonly AgentDef[],
	requests: readonly ToolRequest[]
): AgentChoice {
	const { agent, info } = choice;
	const unmet = unmetRequests(requests, agent.tools);
	if (unmet.length === 0) return { agent, info, extraTools: [] };
	if (info.chosenBy === 'router') {
		const better = agents.find(
			(a) => a.builtIn && a.id !== agent.id && unmetRequests(requests, a.tools).length === 0
		);
		if (better) {
			const why = unmet.map((r) => r.label).join(' and ');
			return {
				agent: better,
				info: {
					id: better.id,
					name: better.name,
					chosenBy: 'router',
					reason: `${better.name} answered because ${why}, which ${agent.name} cannot do.`
				},
				extraTools: []
			};
		}
	}
	const extraTools = [...new Set(unmet.flatMap((r) => r.tools))].filter(
		(t) => !agent.tools.includes(t)
	);
	const withTools = {
		...info,
		reason:
			`${info.reason ?? ''} Also given ${extraTools.join(', ')} for this answer, because ${unmet
				.map((r) => r.label)
				.join(' and ')}.`.trim(),
		addedTools: extraTools
	};
	return { agent, info: withTools, extraTools };
}

/**
 * The agent's tools that are switched on (folder writes need a writable folder). With "offline
 * only" on, network tools are left out, so the model is told they are missing rather than
 * trying them and failing.
 */
export function toolsFor(
	agent: AgentDef,
	registry: ToolRegistry,
	settings: Settings,
	hasWritableFolder: boolean,
	extraTools: readonly string[] = []
): AnyTool[] {
	const allowed = new Set([...agent.tools, ...extraTools]);
	return registry
		.enabled(settings, { hasWritableFolder })
		.filter((t) => allowed.has(t.name) && !(settings.offlineOnly && t.network));
}

/** Places the agent's few-shot examples right after the system prompt. */
export function withExamples(messages: readonly ChatMessage[], agent: AgentDef): ChatMessage[] {
	const examples = exampleMessages(agent);
	if (examples.length === 0) return [...messages];
	const at = messages[0]?.role === 'system' ? 1 : 0;
	return [...messages.slice(0, at), ...examples, ...messages.slice(at)];
}

/** Sources the answer's tool calls returned, in call order, without repeats (for the critique). */
export function sourcesOf(target: Message): { title: string; url: string }[] {
	const seen = new Set<string>();
	const out: { title: string; url: string }[] = [];
	for (const call of target.toolCalls ?? []) {
		for (const source of call.sources ?? []) {
			if (seen.has(source.url)) continue;
			seen.add(source.url);
			out.push({ title: source.title, url: source.url });
		}
	}
	return out;
}
