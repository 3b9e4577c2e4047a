// Tools a person asks for in so many words ("remember that…", "run this Python", "list the files
// in my folder"). Whatever agent answers, such a request must not fail because that agent's tool
// list lacks the tool: the router moves to an agent that has it, and an agent the person chose
// gets the tool for this answer.
import { TOOL } from '$lib/agent/prompts';

export interface ToolRequest {
	/** Tool names the request needs (all of them, in this order of preference). */
	tools: readonly string[];
	/** Plain words for the answer's note: "you asked to remember something". */
	label: string;
}

interface Rule extends ToolRequest {
	test: RegExp;
}

const READ_FILES = [TOOL.listFiles, TOOL.findFiles, TOOL.readFile];

/**
 * Each rule names a request, not a topic: "remember that…" asks to store a memory, while
 * "do you remember…" asks to recall, and "I forgot my password" asks for neither.
 */
const RULES: readonly Rule[] = [
	{
		label: 'you asked to remember something',
		tools: [TOOL.remember],
		test: /^\s*(?:(?:please|ok(?:ay)?|hey|also)[,\s]+)?(?:remember|note|keep in mind|don'?t forget)\b(?!\s+(?:when|what|how|if|whether|the time)\b)|\b(?:please )?remember (?:that|this:|my|i\b|i'm|i am)\b|\bdon'?t forget (?:that|my|i)\b|\bkeep in mind (?:that|my|i)\b/i
	},
	{
		label: 'you asked to forget something',
		tools: [TOOL.forget],
		test: /(?<!\b(?:don'?t|do not|never|not) )\bforget (?:that|about|what|my|everything|i\b|i'm)\b|\bstop remembering\b|\bdelete (?:the |that |my )?memory\b/i
	},
	{
		label: 'you asked about earlier conversations',
		tools: [TOOL.recallConversations],
		test: /\b(?:what did (?:we|i) (?:talk|discuss|say|decide)|do you remember (?:what (?:we|i)|when (?:we|i)|our)|(?:last|the other) time we (?:talked|spoke|discussed)|(?:earlier|previous|past) conversations?)\b/i
	},
	{
		label: 'you asked to run Python',
		tools: [TOOL.runPython],
		test: /\b(?:run|execute|test)\b[^.?!\n]{0,40}\b(?:python|this code|the code|my code|the script|this script)\b|\bpython\b[^.?!\n]{0,20}\b(?:run|execute)\b|\brun_python\b/i
	},
	{
		label: 'you asked about files in your folder',
		tools: READ_FILES,
		test: /\b(?:list|show|open|read|find|search)\b[^.?!\n]{0,40}\b(?:files?|folders?|directory|documents? in)\b|\b(?:what(?:'s| is) in|contents of) (?:my|the) (?:folder|directory)\b/i
	},
	{
		label: 'you asked to write a file',
		tools: [TOOL.writeFile, TOOL.createFile, ...READ_FILES],
		test: /\b(?:save|write|create|make|put)\b[^.?!\n]{0,40}\b(?:(?:a |the |new )?file|[\w-]+\.(?:txt|md|csv|json|py|js|html))\b/i
	},
	{
		label: 'you asked for a reminder',
		tools: [TOOL.setReminder],
		test: /\bremind me\b|\bset (?:a |an )?(?:reminder|alarm)\b/i
	},
	{
		label: 'you asked to search the web',
		tools: [TOOL.webSearch],
		test: /\b(?:search (?:the web|online|the internet|for)|look (?:it |this |that )?up|google)\b/i
	},
	{
		label: 'you asked about the weather',
		tools: [TOOL.weather],
		test: /\b(?:weather|forecast)\b/i
	}
];

/** The tool requests a message makes in so many words (none for most messages). */
export function requestedTools(text: string): ToolRequest[] {
	const trimmed = text.trim();
	return RULES.filter((rule) => rule.test.test(trimmed)).map(({ tools, label }) => ({
		tools,
		label
	}));
}

/** The requests `tools` cannot serve: a request is served when its first tool is there. */
export function unmetRequests(
	requests: readonly ToolRequest[],
	tools: readonly string[]
): ToolRequest[] {
	return requests.filter((r) => !tools.includes(r.tools[0]!));
}
