// Shared by the *.svelte.test.ts files: components mounted in jsdom with Svelte's client runtime.
import { flushSync, mount, unmount, type Component } from 'svelte';
import { afterEach } from 'vitest';

/** Flushes Svelte's updates and waits (up to 3 s) until `ok()` holds. */
export async function until(ok: () => boolean, what: string): Promise<void> {
	for (let i = 0; i < 300; i++) {
		flushSync();
		if (ok()) return;
		await new Promise((r) => setTimeout(r, 10));
	}
	throw new Error(`timed out waiting for ${what}`);
}

const mounted: (() => void)[] = [];
afterEach(() => {
	for (const destroy of mounted.splice(0)) destroy();
});

/**
 * Mounts `component` in a fresh element of the document, flushed; it is unmounted after the
 * test. Pass `$state` props to change them from the test.
 */
export function render<Props extends Record<string, unknown>>(
	component: Component<Props>,
	props: Props
): HTMLElement {
	const target = document.createElement('div');
	document.body.append(target);
	const instance = mount(component, { target, props });
	flushSync();
	mounted.push(() => {
		void unmount(instance);
		target.remove();
	});
	return target;
}
