import { describe, expect, it } from 'vitest';
import { agentTooltip, currentChoice } from './agent-badge';

const research = { id: 'research', name: 'Research agent' };

describe('agent badge', () => {
	it('explains a router pick with its reason', () => {
		expect(agentTooltip({ ...research, chosenBy: 'router', reason: ' asks for sources ' })).toBe(
			'Picked automatically: asks for sources'
		);
		expect(agentTooltip({ ...research, chosenBy: 'router', reason: '' })).toBe(
			'Picked automatically for this message.'
		);
	});

	it('says when the user chose the agent, whatever the reason', () => {
		expect(agentTooltip({ ...research, chosenBy: 'user', reason: 'x' })).toBe(
			'You chose this agent for this conversation.'
		);
	});

	it('is Automatic unless the user pinned the agent', () => {
		expect(currentChoice({ ...research, chosenBy: 'router' })).toBe('');
		expect(currentChoice({ ...research, chosenBy: 'user' })).toBe('research');
	});

	it('names the tools a chosen agent was given for one answer', () => {
		expect(agentTooltip({ ...research, chosenBy: 'user', addedTools: ['run_python'] })).toBe(
			'You chose this agent for this conversation. It was also given run_python for this answer, because you asked for it.'
		);
	});
});
