import { toJsonSchema } from '@valibot/to-json-schema';
import type { AnyTool } from '$lib/tools/types';
import type { Settings } from '$lib/types/settings';
import type { JsonSchema, ToolSpec } from '$lib/types/tools';

/**
 * Tools that write into the user's files: off until the user grants a writable folder, whatever
 * the settings say (the Tool type has no flag for this, so the registry names them).
 */
export const FOLDER_WRITE_TOOLS: ReadonlySet<string> = new Set([
	'write_file',
	'create_file',
	'edit_file',
	'append_file',
	'plan_file_changes'
]);

export interface ToolRegistry {
	readonly tools: readonly AnyTool[];
	get(name: string): AnyTool | undefined;
	/** What the model sees for each named tool (unknown names are skipped); all tools by default. */
	specs(names?: readonly string[]): ToolSpec[];
	/** The tools switched on: the user's choice, else the tool's default; folder tools need a folder. */
	enabled(
		settings: Pick<Settings, 'toolsEnabled'>,
		options: { hasWritableFolder: boolean }
	): AnyTool[];
}

// Converting a schema walks it every time; tools are long-lived objects, so cache per tool.
const specCache = new WeakMap<AnyTool, ToolSpec>();

/** The tool as a model sees it, with its arguments as JSON Schema (draft-07, no `$schema` key). */
export function toolSpec(tool: AnyTool): ToolSpec {
	const cached = specCache.get(tool);
	if (cached) return cached;
	// 'ignore': a refinement with no JSON Schema form (a custom check) is still enforced by valibot.
	const parameters: JsonSchema = { ...toJsonSchema(tool.schema, { errorMode: 'ignore' }) };
	delete parameters.$schema; // the dialect line is noise to a model and to grammar compilers
	const spec: ToolSpec = { name: tool.name, description: tool.description, parameters };
	specCache.set(tool, spec);
	return spec;
}

export function isToolEnabled(
	tool: AnyTool,
	settings: Pick<Settings, 'toolsEnabled'>,
	hasWritableFolder: boolean
): boolean {
	if (FOLDER_WRITE_TOOLS.has(tool.name) && !hasWritableFolder) return false;
	return settings.toolsEnabled[tool.name] ?? tool.defaultEnabled;
}

export function createRegistry(tools: readonly AnyTool[]): ToolRegistry {
	const byName = new Map<string, AnyTool>();
	for (const tool of tools) {
		if (byName.has(tool.name)) throw new Error(`Two tools are named "${tool.name}".`);
		byName.set(tool.name, tool);
	}
	return {
		tools: [...tools],
		get: (name) => byName.get(name),
		specs(names) {
			const chosen = names ? names.map((n) => byName.get(n)) : tools;
			return chosen.filter((t): t is AnyTool => t !== undefined).map(toolSpec);
		},
		enabled: (settings, { hasWritableFolder }) =>
			tools.filter((t) => isToolEnabled(t, settings, hasWritableFolder))
	};
}
