// Pure helpers behind AgentBadge.
import type { Message } from '$lib/types/chat';

type AnsweredBy = NonNullable<Message['agent']>;

/** Hover text: why this agent answered. */
export function agentTooltip(agent: AnsweredBy): string {
	if (agent.chosenBy === 'user') return 'You chose this agent for this conversation.';
	const reason = agent.reason?.trim();
	return reason ? `Picked automatically: ${reason}` : 'Picked automatically for this message.';
}

/** The picker's starting value: the pinned agent, or '' for Automatic (the router). */
export function currentChoice(agent: AnsweredBy): string {
	return agent.chosenBy === 'user' ? agent.id : '';
}

/** What onOverride receives for a picker value: '' means back to the router. */
export function choiceToOverride(value: string): string | null {
	return value === '' ? null : value;
}
