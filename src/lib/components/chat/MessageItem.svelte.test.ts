// @vitest-environment jsdom
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { render, until } from '$lib/components/component-test-kit';
import type { Message } from '$lib/types/chat';
import MessageItem from './MessageItem.svelte';

// One message in jsdom with Svelte's client runtime: what a user's text and a model's untrusted
// reply turn into, and the actions offered for each state an answer can end in.

function message(over: Partial<Message>): Message {
	return {
		id: 'm1',
		conversationId: 'c1',
		parentId: null,
		role: 'assistant',
		content: '',
		status: 'done',
		createdAt: 0,
		updatedAt: 0,
		...over
	};
}

function show(m: Message) {
	const calls: string[] = [];
	const props = $state({
		message: m,
		siblingIndex: 0,
		siblingCount: 1,
		busy: false,
		onRegenerate: () => calls.push('regenerate'),
		onEdit: (text: string) => calls.push(`edit:${text}`),
		onContinue: () => calls.push('continue'),
		onRetry: () => calls.push('retry'),
		onSibling: () => calls.push('sibling')
	});
	return { target: render(MessageItem, props), props, calls };
}

const buttonNamed = (root: HTMLElement, name: string) =>
	[...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);

describe('MessageItem', () => {
	it("shows the user's words as typed, never as HTML", () => {
		const { target } = show(
			message({ role: 'user', content: '<img src=x onerror=alert(1)> **not bold**' })
		);
		const text = target.querySelector('[data-testid="user-text"]')!;
		expect(text.textContent).toBe('<img src=x onerror=alert(1)> **not bold**');
		expect(target.querySelector('img, strong')).toBeNull();
	});

	it('puts a reasoning model’s <think> block in its own box, apart from the answer', async () => {
		const { target } = show(
			message({ content: '<think>Add them.</think>It is **4**.', reasoningMs: 2000 })
		);
		const thinking = target.querySelector('[data-testid="thinking"]')!;
		expect(thinking.textContent).toContain('Thought for 2');
		expect(thinking.textContent).toContain('Add them.');
		// The answer is parsed as markdown (the parser loads on first use), without the reasoning.
		await until(() => target.querySelector('.markdown strong') !== null, 'the parsed answer');
		const answer = target.querySelector('.markdown')!;
		expect(answer.querySelector('strong')?.textContent).toBe('4');
		expect(answer.textContent).not.toContain('Add them');
	});

	it('shows the dots while nothing has arrived, then the streamed text', () => {
		const { target, props } = show(message({ status: 'streaming' }));
		expect(target.querySelector('[aria-label="Hearth is answering"]')).not.toBeNull();
		expect(target.querySelector('article')?.getAttribute('aria-busy')).toBe('true');
		props.message = { ...props.message, content: 'Hello' };
		flushSync();
		expect(target.querySelector('[aria-label="Hearth is answering"]')).toBeNull();
		expect(target.querySelector('article')?.textContent).toContain('Hello');
	});

	it('offers Retry on a failed answer and Continue on a stopped one, not while busy', () => {
		const failed = show(
			message({ status: 'error', error: { code: 'engine_crashed', message: 'The GPU was lost.' } })
		);
		const alert = failed.target.querySelector('[role="alert"]')!;
		expect(alert.textContent).toContain('The GPU was lost.');
		buttonNamed(alert as HTMLElement, 'Retry')!.click();
		expect(failed.calls).toEqual(['retry']);
		failed.props.busy = true;
		flushSync();
		expect(buttonNamed(alert as HTMLElement, 'Retry')!.disabled).toBe(true);

		const stopped = show(message({ status: 'aborted', content: 'Half an ans' }));
		expect(stopped.target.textContent).toContain('Stopped.');
		buttonNamed(stopped.target, 'Continue')!.click();
		expect(stopped.calls).toEqual(['continue']);
	});

	it('the edit box sends with Enter and keeps Shift+Enter for a new line, like the composer', () => {
		const { target, calls } = show(message({ role: 'user', content: 'first try' }));
		const edit = [...target.querySelectorAll('button')].find((b) =>
			/edit/i.test(b.getAttribute('aria-label') ?? b.textContent ?? '')
		)!;
		edit.click();
		flushSync();
		const box = target.querySelector('textarea')!;
		box.value = 'second try';
		box.dispatchEvent(new Event('input', { bubbles: true }));
		box.dispatchEvent(
			new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true })
		);
		flushSync();
		expect(calls).toEqual([]);
		box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
		flushSync();
		expect(calls).toEqual(['edit:second try']);
		expect(target.querySelector('textarea')).toBeNull();
	});
});
