// Calls the person reviews on their card before saying yes (a plan of file changes): what the
// card shows is prepared first, and a yes may come back with edited arguments.
import { validateArguments } from '$lib/agent/validate';
import type { AnyTool } from '$lib/tools/types';
import type { CallReview, ToolDecision } from '$lib/types/tools';

/** What the person's answer means for the call. */
export type ReadDecision =
	| { kind: 'no' }
	| { kind: 'yes' }
	| { kind: 'edited'; args: unknown }
	| { kind: 'invalid'; error: string };

/**
 * A plain yes runs the arguments shown; an edited yes runs its own arguments once they pass the
 * tool's schema again (the face is trusted, but a schema is the contract every run goes through).
 * Only reviewed tools take edits: for any other tool an edited answer is a plain yes.
 */
export function readDecision(tool: AnyTool, decision: ToolDecision): ReadDecision {
	if (decision === false) return { kind: 'no' };
	if (decision === true || !tool.review) return { kind: 'yes' };
	const checked = validateArguments(tool, decision.args);
	return checked.ok
		? { kind: 'edited', args: checked.value }
		: { kind: 'invalid', error: `Your changes to this call are not valid: ${checked.error}` };
}

/** Runs the tool's own read-only preparation; nothing to do for tools without a review. */
export async function prepareReview(
	tool: AnyTool,
	args: unknown,
	signal: AbortSignal
): Promise<{ args: unknown; review?: CallReview }> {
	if (!tool.review) return { args };
	return tool.review.prepare(args, signal);
}
