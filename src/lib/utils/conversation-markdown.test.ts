import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '$lib/types/chat';
import { conversationToMarkdown, markdownFileName } from '$lib/utils/conversation-markdown';

// Built from local time so the expected dates hold in every time zone the tests run in.
const CREATED = new Date(2024, 4, 7, 9, 5).getTime();

function conversation(overrides: Partial<Conversation> = {}): Conversation {
	return {
		id: 'c1',
		title: 'Sorting in Rust',
		createdAt: CREATED,
		updatedAt: CREATED,
		pinned: 0,
		mode: 'chat',
		model: 'qwen2.5:1.5b',
		leafId: 'm2',
		...overrides
	};
}

function message(overrides: Partial<Message>): Message {
	return {
		id: 'm',
		conversationId: 'c1',
		parentId: null,
		role: 'user',
		content: '',
		status: 'done',
		createdAt: CREATED,
		updatedAt: CREATED,
		...overrides
	};
}

const CODE_REPLY = [
	'Use `sort_by`:',
	'',
	'```rust',
	'fn main() {',
	'    let mut v = vec![3, 1, 2];',
	'    v.sort_by(|a, b| a.cmp(b));',
	'}',
	'```',
	'',
	'<b>Done</b> *really* \\_done\\_.'
].join('\n');

describe('conversationToMarkdown', () => {
	it('writes the title, date, model and every message with its content verbatim', () => {
		const md = conversationToMarkdown(conversation(), [
			message({ id: 'm1', content: 'How do I sort a Vec?' }),
			message({ id: 'm2', role: 'assistant', content: CODE_REPLY, model: 'llama3.2:3b' })
		]);
		expect(md).toBe(
			[
				'# Sorting in Rust',
				'',
				'2024-05-07 09:05 · Model: qwen2.5:1.5b',
				'',
				'### You',
				'',
				'How do I sort a Vec?',
				'',
				'### Assistant (llama3.2:3b)',
				'',
				CODE_REPLY,
				''
			].join('\n')
		);
	});

	it('falls back to the conversation model, and leaves out a missing one', () => {
		const reply = message({ role: 'assistant', content: 'Hi' });
		expect(conversationToMarkdown(conversation(), [reply])).toContain(
			'### Assistant (qwen2.5:1.5b)'
		);
		const md = conversationToMarkdown(conversation({ model: undefined }), [reply]);
		expect(md).toContain('### Assistant\n');
		expect(md).not.toContain('Model:');
	});

	it('notes replies that failed, were stopped or were interrupted', () => {
		const md = conversationToMarkdown(conversation(), [
			message({
				role: 'assistant',
				status: 'error',
				content: '',
				error: { code: 'engine_unreachable', message: 'Ollama is not\nrunning.' }
			}),
			message({ role: 'assistant', status: 'aborted', content: 'Half' }),
			message({ role: 'assistant', status: 'interrupted', content: 'Part' }),
			message({ role: 'system', content: 'Be brief.' })
		]);
		expect(md).toContain('> **Note:** this reply failed: Ollama is not running.');
		expect(md).toContain('Half\n\n> **Note:** this reply was stopped');
		expect(md).toContain('Part\n\n> **Note:** this reply was interrupted');
		expect(md).toContain('### System\n\nBe brief.');
	});

	it('closes a code fence left open by a stopped reply, so later messages stay outside it', () => {
		const md = conversationToMarkdown(conversation(), [
			message({ role: 'assistant', status: 'aborted', content: '````py\nprint("```")\n' }),
			message({ content: 'Next question' })
		]);
		expect(md).toContain('````py\nprint("```")\n````\n\n> **Note:**');
		expect(md).toContain('### You\n\nNext question');
	});

	it('keeps a title on one line', () => {
		const md = conversationToMarkdown(conversation({ title: 'Line one\n# not a heading  ' }), []);
		expect(md.startsWith('# Line one # not a heading\n\n')).toBe(true);
		expect(conversationToMarkdown(conversation({ title: '  ' }), [])).toMatch(
			/^# Untitled conversation\n/
		);
	});
});

describe('markdownFileName', () => {
	const name = (title: string) => markdownFileName(conversation({ title }));

	it('builds hearth-<slug>-<date>.md', () => {
		expect(name('Sorting in Rust')).toBe('hearth-sorting-in-rust-2024-05-07.md');
		expect(name('Café crème, s’il vous plaît!')).toBe(
			'hearth-cafe-creme-s-il-vous-plait-2024-05-07.md'
		);
	});

	it.each([
		['../../etc/passwd', 'hearth-etc-passwd-2024-05-07.md'],
		['<script>alert(1)</script>', 'hearth-script-alert-1-script-2024-05-07.md'],
		['🔥🦀🔥', 'hearth-conversation-2024-05-07.md'],
		['שלום עולם', 'hearth-conversation-2024-05-07.md'],
		['\u202Egnp.exe', 'hearth-gnp-exe-2024-05-07.md'],
		['', 'hearth-conversation-2024-05-07.md'],
		['C:\\Windows\\System32\\con', 'hearth-c-windows-system32-con-2024-05-07.md']
	])('makes a safe name from %j', (title, expected) => {
		expect(name(title)).toBe(expected);
	});

	it('keeps the slug to 50 characters without a trailing dash', () => {
		const file = name(`${'a'.repeat(49)} bbb ${'c'.repeat(100)}`);
		const slug = file.slice('hearth-'.length, -'-2024-05-07.md'.length);
		expect(slug).toBe('a'.repeat(49));
		expect(file).toMatch(/^hearth-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.md$/);
	});
});
