import type { Conversation, Message } from '$lib/types/chat';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local calendar date: the day the person saw, not the UTC one. */
function isoDate(ms: number): string {
	const d = new Date(ms);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function dateTime(ms: number): string {
	const d = new Date(ms);
	return `${isoDate(ms)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Headings and notes are one line each: a newline in a title would end the heading early. */
function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}

/**
 * The fence still open at the end of `content`, if any (CommonMark: up to 3 spaces, then 3+
 * backticks or tildes; closed by the same character at least as long). A reply stopped
 * mid-code-block would otherwise swallow every message after it.
 */
function openFence(content: string): string | null {
	let open: string | null = null;
	for (const line of content.split('\n')) {
		const m = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
		if (!m) continue;
		const fence = m[1] as string;
		const rest = m[2] ?? '';
		if (open === null) {
			// A backtick fence's info string may not contain backticks.
			if (fence[0] === '`' && rest.includes('`')) continue;
			open = fence;
		} else if (fence[0] === open[0] && fence.length >= open.length && rest.trim() === '') {
			open = null;
		}
	}
	return open;
}

function heading(message: Message, conversation: Conversation): string {
	if (message.role === 'user') return '### You';
	if (message.role === 'system') return '### System';
	const model = message.model ?? conversation.model;
	return model ? `### Assistant (${oneLine(model)})` : '### Assistant';
}

function statusNote(message: Message): string | null {
	switch (message.status) {
		case 'error':
			return message.error
				? `> **Note:** this reply failed: ${oneLine(message.error.message)}`
				: '> **Note:** this reply failed.';
		case 'aborted':
			return '> **Note:** this reply was stopped before it finished.';
		case 'interrupted':
			return '> **Note:** this reply was interrupted (the page closed before it finished).';
		case 'streaming':
			return '> **Note:** this reply was still being written when it was exported.';
		case 'done':
			return null;
	}
}

/**
 * The shown thread as Markdown. Message content is copied verbatim (never indented or escaped),
 * so code fences and formatting survive; only a fence left open is closed after it.
 */
export function conversationToMarkdown(conversation: Conversation, thread: Message[]): string {
	const title = oneLine(conversation.title) || 'Untitled conversation';
	const meta = [dateTime(conversation.createdAt)];
	if (conversation.model) meta.push(`Model: ${oneLine(conversation.model)}`);

	const parts = [`# ${title}`, meta.join(' · ')];
	for (const message of thread) {
		parts.push(heading(message, conversation));
		const content = message.content.replace(/\s+$/, '');
		if (content) {
			const fence = openFence(content);
			parts.push(fence ? `${content}\n${fence}` : content);
		}
		const note = statusNote(message);
		if (note) parts.push(note);
	}
	return `${parts.join('\n\n')}\n`;
}

const MAX_SLUG = 50;

/** `hearth-<slug>-<yyyy-mm-dd>.md`, safe on every file system whatever the title holds. */
export function markdownFileName(conversation: Conversation): string {
	const slug =
		conversation.title
			// Split accented letters into letter + mark so "Café" becomes "cafe", not "caf".
			.normalize('NFKD')
			.replace(/[\u0300-\u036f]/g, '')
			.toLowerCase()
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-+/, '')
			.slice(0, MAX_SLUG)
			.replace(/-+$/, '') || 'conversation';
	return `hearth-${slug}-${isoDate(conversation.createdAt)}.md`;
}
