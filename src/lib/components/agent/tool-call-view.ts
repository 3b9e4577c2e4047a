// Pure helpers behind ToolCallCard: what a call's arguments, status and figures look like.
import type { ToolCallRecord, ToolCallStatus } from '$lib/types/tools';

/** A string argument longer than this, or with a line break, gets its own <pre> (code, text). */
const LONG_STRING = 80;

const STATUS_LABELS: Record<ToolCallStatus, string> = {
	awaiting: 'Waiting for you',
	running: 'Running',
	done: 'Done',
	error: 'Failed',
	denied: 'Not allowed',
	cancelled: 'Cancelled'
};

export function statusLabel(status: ToolCallStatus): string {
	return STATUS_LABELS[status];
}

/** Cards start open while something needs the user's eyes; a finished call is collapsed. */
export function startsOpen(status: ToolCallStatus, hasQuestion: boolean): boolean {
	return hasQuestion || status === 'awaiting' || status === 'running' || status === 'error';
}

/** "420 ms", "4.2 s", "12 s", "1 min 5 s". */
export function formatDuration(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return '';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	const seconds = ms / 1000;
	if (seconds < 10) return `${seconds.toFixed(1).replace(/\.0$/, '')} s`;
	const whole = Math.round(seconds);
	if (whole < 60) return `${whole} s`;
	const min = Math.floor(whole / 60);
	const rest = whole % 60;
	return rest === 0 ? `${min} min` : `${min} min ${rest} s`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function clip(text: string, max: number): string {
	const line = text.split('\n', 1)[0] ?? '';
	const more = line.length < text.length;
	if (line.length <= max) return more ? `${line}…` : line;
	return `${line.slice(0, max - 1)}…`;
}

function summarizeValue(value: unknown): string {
	if (typeof value === 'string') return `"${clip(value, 40)}"`;
	if (typeof value === 'number' || typeof value === 'boolean' || value === null)
		return String(value);
	if (Array.isArray(value)) return value.length === 1 ? '[1 item]' : `[${value.length} items]`;
	if (isRecord(value)) return '{…}';
	return '';
}

/**
 * One line for the card's header: `query: "rust borrow", limit: 5`. Raw text (arguments that
 * never validated) is clipped to its first line.
 */
export function summarizeArgs(args: unknown, max = 100): string {
	if (args === undefined || args === null) return '';
	if (typeof args === 'string') return clip(args, max);
	if (!isRecord(args)) return clip(summarizeValue(args), max);
	const parts = Object.entries(args)
		.filter(([, value]) => value !== undefined)
		.map(([key, value]) => `${key}: ${summarizeValue(value)}`);
	return clip(parts.join(', '), max);
}

/** A long string argument shown as wrapped text under its name. */
export interface ArgBlock {
	key: string;
	text: string;
}

/**
 * Long strings (code, a page of text) come out as blocks; everything is also available as
 * pretty JSON. Raw text that never validated is one block.
 */
export function argBlocks(args: unknown): ArgBlock[] {
	if (typeof args === 'string') return args ? [{ key: 'Arguments (as sent)', text: args }] : [];
	if (!isRecord(args)) return [];
	const blocks: ArgBlock[] = [];
	for (const [key, value] of Object.entries(args)) {
		if (typeof value === 'string' && (value.length > LONG_STRING || value.includes('\n')))
			blocks.push({ key, text: value });
	}
	return blocks;
}

/**
 * Pretty JSON of the arguments not already shown as blocks (`omit`); '' when nothing is left
 * worth showing (a card never shows an empty "Arguments" heading).
 */
export function prettyArgs(args: unknown, omit: readonly string[] = []): string {
	if (args === undefined || args === null || typeof args === 'string') return '';
	const rest = isRecord(args)
		? Object.fromEntries(Object.entries(args).filter(([key]) => !omit.includes(key)))
		: args;
	if (isRecord(rest) && Object.keys(rest).length === 0) return '';
	try {
		return JSON.stringify(rest, null, 2) ?? '';
	} catch {
		// Cyclic or BigInt values cannot come from JSON arguments; show nothing rather than throw.
		return '';
	}
}

// Only PNG as base64: an SVG or a remote URL could run script or leak a request.
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

export function isPngDataUrl(url: string): boolean {
	return PNG_DATA_URL.test(url);
}

/** The images a card may show, and how many it refused. */
export function acceptImages(images: readonly string[] | undefined): {
	shown: string[];
	refused: number;
} {
	const shown = (images ?? []).filter(isPngDataUrl);
	return { shown, refused: (images?.length ?? 0) - shown.length };
}

/** Within `slack` px of the end: streaming output keeps following it. */
export function isNearBottom(
	box: { scrollTop: number; clientHeight: number; scrollHeight: number },
	slack = 24
): boolean {
	return box.scrollHeight - box.scrollTop - box.clientHeight <= slack;
}

/**
 * The card's line about untrusted content, once the call is past its question: whether the user
 * was asked and why, or why it ran without asking. It never says the user was asked when they
 * were not (a call stored before `gate` existed says only what its record proves).
 */
export function gateNote(
	record: Pick<ToolCallRecord, 'tainted' | 'gate' | 'confirmation' | 'status'>
): string | undefined {
	if (!record.tainted || record.status === 'awaiting') return undefined;
	switch (record.gate) {
		case 'untrusted':
			return 'You were asked because this came after untrusted content.';
		case 'side-effect':
			return 'You were asked because it changes something; it also came after untrusted content.';
		case 'your-words':
			return 'Came after untrusted content. Not asked: you wrote what it used yourself.';
		case 'contained':
			return 'Came after untrusted content. Not asked: it cannot send anything out or change anything.';
		default:
			return record.confirmation
				? 'You were asked; it came after untrusted content.'
				: 'Came after untrusted content.';
	}
}

/**
 * Where the untrusted content before a question came from, as one sentence for the card
 * ("It came from: read_page https://…, list_files Downloads."); empty when unknown.
 */
export function originsSentence(from: readonly string[] | undefined, max = 80): string {
	if (!from?.length) return '';
	const clipped = from.map((o) => {
		const line = o.replace(/\s+/g, ' ').trim();
		return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
	});
	return `It came from: ${clipped.join('; ')}.`;
}
