// The names an eval case may offer, and the fixed clock of every eval: plain constants, so the
// schema and the editor can use them without loading the tools themselves.

/** Every tool name a case may list (memory tools come from the workspace's own store). */
export const EVAL_TOOL_NAMES = [
	'calculator',
	'current_time',
	'convert_time',
	'date_difference',
	'day_of_week',
	'web_search',
	'fetch_page',
	'weather',
	'list_files',
	'find_files',
	'read_file',
	'write_file',
	'create_file',
	'run_python',
	'search_knowledge',
	'remember',
	'forget',
	'recall_conversations'
] as const;

/** The tools that read and write the workspace's memories and past conversations. */
export const MEMORY_TOOL_NAMES: readonly string[] = ['remember', 'forget', 'recall_conversations'];

/** Whether a case needs a workspace with memories (most cases need only a conversation store). */
export function usesMemory(tools: readonly string[] = []): boolean {
	return tools.some((name) => MEMORY_TOOL_NAMES.includes(name));
}

/** The fixed "now" of every eval (time tools answer the same on every run): 2 June 2025, noon UTC. */
export const EVAL_NOW = Date.UTC(2025, 5, 2, 12, 0, 0);
