export interface ToastAction {
	label: string;
	run: () => void | Promise<void>;
}

export interface Toast {
	id: number;
	message: string;
	kind: 'info' | 'error';
	action?: ToastAction;
}

/** Short-lived notices at the bottom of the screen (undo delete, import done, failures). */
export class ToastState {
	items = $state<Toast[]>([]);
	#next = 1;
	// Bookkeeping only, never rendered: no need for a reactive map.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#timers = new Map<number, ReturnType<typeof setTimeout>>();

	push(message: string, options: { kind?: Toast['kind']; action?: ToastAction; ms?: number } = {}) {
		const id = this.#next++;
		this.items.push({ id, message, kind: options.kind ?? 'info', action: options.action });
		this.#timers.set(
			id,
			setTimeout(() => this.dismiss(id), options.ms ?? (options.action ? 8000 : 5000))
		);
		return id;
	}

	dismiss(id: number): void {
		clearTimeout(this.#timers.get(id));
		this.#timers.delete(id);
		this.items = this.items.filter((t) => t.id !== id);
	}

	async act(id: number): Promise<void> {
		const toast = this.items.find((t) => t.id === id);
		this.dismiss(id);
		await toast?.action?.run();
	}
}
