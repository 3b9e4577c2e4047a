import type { AnyTool } from '$lib/tools/types';

/**
 * Why a call must wait for the user's yes, or undefined when it may run at once. Side-effect
 * tools always ask. Once untrusted text entered the turn, a network tool asks too, unless every
 * text argument (the URL, the query) is written verbatim in the user's own message: the page
 * could have told the model what to fetch, and a URL can carry data out.
 */
export function confirmationReason(
	tool: AnyTool,
	args: unknown,
	state: { tainted: boolean; userText: string }
): 'side-effect' | 'tainted' | undefined {
	if (tool.sideEffect) return 'side-effect';
	if (!state.tainted || !tool.network) return undefined;
	return argumentsFromUser(args, state.userText) ? undefined : 'tainted';
}

/** True when the arguments hold at least one text and every text appears in the user's message. */
export function argumentsFromUser(args: unknown, userText: string): boolean {
	const texts = collectStrings(args).filter((s) => s.trim() !== '');
	return texts.length > 0 && texts.every((s) => userText.includes(s.trim()));
}

function collectStrings(value: unknown, out: string[] = []): string[] {
	if (typeof value === 'string') out.push(value);
	else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
	else if (typeof value === 'object' && value !== null) {
		for (const v of Object.values(value)) collectStrings(v, out);
	}
	return out;
}
