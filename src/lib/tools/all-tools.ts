// Every tool Hearth has, built once with what each needs. The agent loop gets the enabled subset.
import { calculatorTool } from '$lib/tools/calculator';
import { createDateTimeTools } from '$lib/tools/datetime';
import { fetchPageTool } from '$lib/tools/fetch-page';
import { createFilePlanTool } from '$lib/tools/file-plan';
import { createFileTools } from '$lib/tools/files';
import { createRunPythonTool, type PythonRunner } from '$lib/tools/python';
import { createRegistry, type ToolRegistry } from '$lib/tools/registry';
import { createReminderTools, type ReminderToolDeps } from '$lib/tools/reminders';
import type { AnyTool } from '$lib/tools/types';
import { weatherTool } from '$lib/tools/weather';
import { webSearchTool } from '$lib/tools/web-search';
import type { FolderAccess } from '$lib/files/access';
import type { PlanJournal } from '$lib/files/plan/journal';

export interface AllToolsDeps {
	now(): number;
	reminders: Omit<ReminderToolDeps, 'now'>;
	folders: FolderAccess;
	/** Where applied file plans are kept for undo. */
	planJournal: PlanJournal;
	python: PythonRunner;
	pythonNetwork(): boolean;
	/**
	 * Tools other parts of Hearth provide: the hook for the knowledge issue's `remember` and
	 * `search_knowledge`, which the built-in agents already name.
	 */
	extra?: readonly AnyTool[];
}

export function createToolRegistry(deps: AllToolsDeps): ToolRegistry {
	const tools = [
		calculatorTool,
		...createDateTimeTools({ now: deps.now }),
		webSearchTool,
		fetchPageTool,
		weatherTool,
		...createReminderTools({ ...deps.reminders, now: deps.now }),
		...createFileTools({ access: deps.folders, now: deps.now }),
		createFilePlanTool({ access: deps.folders, journal: deps.planJournal, now: deps.now }),
		createRunPythonTool(deps.python, deps.pythonNetwork),
		...(deps.extra ?? [])
	] as AnyTool[];
	return createRegistry(tools);
}
