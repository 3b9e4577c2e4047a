// Where the untrusted text in an answer's prompt comes from. Text that is not the user's own
// words reaches a model by many paths besides this turn's tool results: an earlier answer that
// read a page (its text carries what the page said, unfenced), an image's pixels or the text read
// from it, the rolling summary of such turns, a memory saved after reading a page. Any one of
// them makes the turn start tainted: network calls and lasting changes then wait for a yes
// (agent/taint.ts). Pure data in, labels out: the answer turn calls it with what it prepared.
import { untrustedSource } from '$lib/agent/untrusted';
import type { ConversationSummary, Message } from '$lib/types/chat';
import type { ToolCallRecord } from '$lib/types/tools';
import type { Visual } from '$lib/utils/thread';

export interface PromptSources {
	/** The visible branch the prompt is made from (summarised turns included: the summary came from them). */
	thread: readonly Message[];
	/** Per message id, what its images became for this model (pixels or the text read from them). */
	visuals?: ReadonlyMap<string, Visual>;
	/** The rolling summary standing in for older turns. */
	summary?: Pick<ConversationSummary, 'untrusted'> | null;
	/** Memories that join the system prompt, with where each came from. */
	memories?: readonly { text: string; untrusted?: readonly string[] }[];
}

/**
 * Tools whose results were never untrusted text, for calls stored before a call recorded whether
 * its result was (`untrustedResult`): any other finished call of that age counts as untrusted.
 */
const TRUSTED_RESULTS_BEFORE_MARKING = new Set([
	'calculator',
	'current_time',
	'convert_time',
	'date_difference',
	'day_of_week',
	'remember',
	'forget',
	'set_reminder',
	'list_reminders',
	'cancel_reminder',
	'write_file',
	'create_file'
]);

/** Whether a stored call brought untrusted text into its answer. */
export function callReadUntrusted(call: ToolCallRecord): boolean {
	if (call.untrustedResult !== undefined) return call.untrustedResult;
	return call.status === 'done' && !TRUSTED_RESULTS_BEFORE_MARKING.has(call.name);
}

function clip(text: string, max = 60): string {
	const line = text.replace(/\s+/g, ' ').trim();
	return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

function imageOrigins(message: Message, visual: Visual | undefined): string[] {
	const refs = message.images ?? [];
	if (!visual) return [];
	if (visual.images?.length) return refs.map((r) => `image "${r.name}" (seen by the model)`);
	if (!visual.text) return [];
	return refs
		.filter((r) => (r.ocrText ?? '').trim() !== '')
		.map((r) => `text read from image "${r.name}"`);
}

/**
 * Labels for every source of untrusted text that the prompt built from `sources` holds, in
 * order and without repeats; empty when it holds only the user's own words and trusted results.
 */
export function untrustedOrigins(sources: PromptSources): string[] {
	const out = new Set<string>();
	const add = (label: string) => out.add(label);
	sources.summary?.untrusted?.forEach(add);
	for (const memory of sources.memories ?? []) {
		if (memory.untrusted?.length) add(`memory "${clip(memory.text, 40)}"`);
	}
	for (const message of sources.thread) {
		message.untrusted?.forEach(add);
		for (const call of message.toolCalls ?? []) {
			if (callReadUntrusted(call)) add(untrustedSource(call.name, call.args));
		}
		imageOrigins(message, sources.visuals?.get(message.id)).forEach(add);
	}
	return [...out];
}
