// Pure helpers behind AgentBadge.
import type { Message } from '$lib/types/chat';

type AnsweredBy = NonNullable<Message['agent']>;

/** Why this agent answered, in a sentence or two (with any tools added for this answer). */
export function agentTooltip(agent: AnsweredBy): string {
	if (agent.chosenBy === 'user') {
		const added = agent.addedTools?.length
			? ` It was also given ${agent.addedTools.join(', ')} for this answer, because you asked for it.`
			: '';
		return `You chose this agent for this conversation.${added}`;
	}
	const reason = agent.reason?.trim();
	return reason ? `Picked automatically: ${reason}` : 'Picked automatically for this message.';
}

/** The pinned agent's id, or '' when the router picked it (Automatic). */
export function currentChoice(agent: AnsweredBy): string {
	return agent.chosenBy === 'user' ? agent.id : '';
}
