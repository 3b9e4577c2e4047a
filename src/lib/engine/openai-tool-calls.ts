import type { ToolCallFragment } from '$lib/engine/openai-wire';
import type { ProposedToolCall } from '$lib/types/tools';

// Joins the streamed pieces of OpenAI-style tool calls into whole calls. The first piece of a
// call carries its index, id and name; later pieces with the same index add to its arguments.

interface Building {
	id?: string;
	name: string;
	argumentsText: string;
}

export class ToolCallAssembler {
	readonly #calls = new Map<number, Building>();
	readonly #makeId: () => string;
	#lastIndex = -1;

	/** `makeId` names a call whose server sent no id. */
	constructor(makeId: () => string) {
		this.#makeId = makeId;
	}

	get size(): number {
		return this.#calls.size;
	}

	add(fragment: ToolCallFragment): void {
		const index = this.#indexOf(fragment);
		let call = this.#calls.get(index);
		if (!call) {
			call = { name: '', argumentsText: '' };
			this.#calls.set(index, call);
		}
		this.#lastIndex = index;
		call.id ??= fragment.id;
		// Servers send the name once; some repeat it on every piece, none split it.
		if (fragment.name !== undefined && call.name === '') call.name = fragment.name;
		if (fragment.arguments !== undefined) call.argumentsText += fragment.arguments;
	}

	/** The calls so far in index order, and forgets them. Calls that never got a name are dropped. */
	take(): ProposedToolCall[] {
		const calls = [...this.#calls.entries()]
			.sort(([a], [b]) => a - b)
			.flatMap(([, call]): ProposedToolCall[] =>
				call.name === ''
					? []
					: [
							{
								id: call.id ?? this.#makeId(),
								name: call.name,
								// An empty argument list arrives as nothing at all from some servers.
								argumentsText: call.argumentsText.trim() === '' ? '{}' : call.argumentsText
							}
						]
			);
		this.#calls.clear();
		this.#lastIndex = -1;
		return calls;
	}

	/**
	 * OpenAI numbers every piece; a server that does not (older Ollama /v1, some proxies) starts a
	 * new call with a new id or name, and otherwise continues the last one.
	 */
	#indexOf(fragment: ToolCallFragment): number {
		if (fragment.index !== undefined) return fragment.index;
		const last = this.#calls.get(this.#lastIndex);
		const startsNew =
			!last ||
			(fragment.id !== undefined && last.id !== undefined && fragment.id !== last.id) ||
			(fragment.id === undefined && fragment.name !== undefined && last.name !== '');
		if (!startsNew) return this.#lastIndex;
		return Math.max(-1, ...this.#calls.keys()) + 1;
	}
}
