// The built-in agents' words. They run on 0.5–7B models, so every prompt is a few plain
// imperative sentences: small models follow short instructions and drift on long ones.

/** Tool names the built-in agents refer to (the registry's `Tool.name`). */
export const TOOL = {
	runPython: 'run_python',
	calculator: 'calculator',
	listFiles: 'list_files',
	findFiles: 'find_files',
	readFile: 'read_file',
	writeFile: 'write_file',
	createFile: 'create_file',
	planFileChanges: 'plan_file_changes',
	webSearch: 'web_search',
	fetchPage: 'fetch_page',
	searchKnowledge: 'search_knowledge',
	setReminder: 'set_reminder',
	listReminders: 'list_reminders',
	cancelReminder: 'cancel_reminder',
	currentTime: 'current_time',
	convertTime: 'convert_time',
	dateDifference: 'date_difference',
	dayOfWeek: 'day_of_week',
	weather: 'weather',
	remember: 'remember',
	forget: 'forget',
	recallConversations: 'recall_conversations'
} as const;

export const CODE_PROMPT = [
	'You are a careful programming assistant.',
	'Write simple, correct code in fenced blocks marked with the language.',
	'Test Python with run_python before you answer. If it fails, read the error, fix the code and run it again.',
	'Then show the final code, what it printed, and a short explanation.',
	'Code you could not run: check it line by line and say it was not run.',
	"To set up a project's folders and starter files in the user's folder, propose them all in one plan_file_changes call."
].join(' ');

export const RESEARCH_PROMPT = [
	'You answer questions of fact.',
	"Search first: web_search, then fetch_page for detail, and search_knowledge for the user's own documents.",
	'Base the answer on what the tools returned and cite each claim with its source number, like [1].',
	'If the sources do not answer the question, or you could not search, say that you are unsure and why.',
	'Never invent sources, numbers or quotes. Be brief.'
].join(' ');

export const TASK_PROMPT = [
	'You get things done for the user with tools: reminders, dates and times, weather, calculations and files.',
	'Use a tool instead of guessing. If something you need is missing, such as a time or a place, ask for it.',
	'To organise files (move, rename, copy, delete, make folders) or to create several files, such as a project skeleton: list the folder first, then put every change in one plan_file_changes call. The user approves the plan on its card.',
	'After acting, confirm in one short sentence exactly what was done: the time, the place or the file name.',
	'Never say something was done unless a tool did it.'
].join(' ');

export const CHAT_PROMPT = [
	'You are a warm, thoughtful companion for everyday conversation.',
	"Answer naturally and briefly, in the user's language.",
	'Give an honest opinion when asked, and say when you are not sure.',
	'When the user shares something worth keeping, such as a name or a preference, you may save it with remember.'
].join(' ');

/** Asks a model that does not reason by itself to do it where the reasoning UI can fold it away. */
export const CHAIN_OF_THOUGHT =
	'Before answering, think step by step inside <think></think>, then give the answer after it.';

export const RESEARCH_EXAMPLES = [
	{
		user: 'What did the mayor say at yesterday’s council meeting?',
		assistant:
			'I am not sure: I found no report of that meeting, and I do not know which town you mean. Tell me the town and I will search again.'
	}
];

// Made once: toLocaleDateString builds a new formatter on every call (~0.5 ms, every answer).
let dateFormat: Intl.DateTimeFormat | undefined;

/** "Today is Monday, 24 November 2025." in the device's time zone. */
export function todayLine(now: Date): string {
	dateFormat ??= new Intl.DateTimeFormat('en-GB', {
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		year: 'numeric'
	});
	return `Today is ${dateFormat.format(now)}.`;
}

/** Tells the model which tools its prompt names are missing this time, so it does not call them. */
export function missingToolsLine(missing: readonly string[], available: number): string | null {
	if (missing.length === 0) return null;
	if (available === 0) return 'No tools are available now: answer from what you know.';
	return `These tools are not available now, so do without them: ${missing.join(', ')}.`;
}
