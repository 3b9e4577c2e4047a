// @vitest-environment jsdom
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { render } from '$lib/components/component-test-kit';
import ConfirmButton from './ConfirmButton.svelte';

// The in-place question every delete asks before acting.

function show() {
	let confirmed = 0;
	const props = $state({
		label: 'Delete',
		ariaLabel: 'Delete notes.md',
		question: 'Delete notes.md?',
		disabled: false,
		onConfirm: () => confirmed++
	});
	const target = render(ConfirmButton, props);
	const button = (name: string) =>
		[...target.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
	const press = (name: string) => {
		button(name)!.click();
		flushSync();
	};
	return { target, props, button, press, confirmed: () => confirmed };
}

describe('ConfirmButton', () => {
	it('acts only on "Yes", with focus moved there; "Keep" goes back', () => {
		const { target, button, press, confirmed } = show();
		press('Delete');
		expect(target.querySelector('[role="group"]')?.getAttribute('aria-label')).toBe(
			'Delete notes.md'
		);
		expect(target.textContent).toContain('Delete notes.md?');
		expect(document.activeElement).toBe(button('Yes, delete'));
		press('Keep');
		expect(confirmed()).toBe(0);
		press('Delete');
		press('Yes, delete');
		expect(confirmed()).toBe(1);
		expect(button('Delete')).toBeDefined();
	});

	it('holds back "Yes" when it becomes disabled while asking', () => {
		const { props, button, press, confirmed } = show();
		press('Delete');
		props.disabled = true;
		flushSync();
		expect(button('Yes, delete')!.disabled).toBe(true);
		button('Yes, delete')!.click();
		expect(confirmed()).toBe(0);
	});
});
