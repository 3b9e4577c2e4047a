// Tool approvals in the API: nobody is there to ask, so a policy answers. Side-effect tools are
// left out of the API's tools unless the config allows them; allowed, they run only on a request
// no untrusted text has touched (a page, a file, a search result cannot make one run).
import type { ToolApprovals, TurnTools } from '$lib/conversation/ports';
import { createRegistry } from '$lib/tools/registry';
import type { ToolCallRecord } from '$lib/types/tools';

export function apiApprovals(allowSideEffects: boolean): ToolApprovals {
	return {
		confirm: async (record: ToolCallRecord) =>
			allowSideEffects && record.gate === 'side-effect' && record.tainted !== true,
		// A running tool's question ("fetch this package?") has nobody to answer it: no.
		ask: async () => false
	};
}

/** The face's tools as the API offers them: without side-effect tools unless allowed. */
export function apiTools(
	tools: TurnTools | undefined,
	allowSideEffects: boolean
): TurnTools | undefined {
	if (!tools || allowSideEffects) return tools;
	let filtered: ReturnType<TurnTools['registry']> | undefined;
	return {
		...tools,
		registry: () =>
			(filtered ??= tools.registry().then(
				(registry) => createRegistry(registry.tools.filter((t) => !t.sideEffect)),
				(e: unknown) => {
					filtered = undefined;
					throw e;
				}
			))
	};
}
