const PREFIX = 'hearth-stream:';

/**
 * Holds a Web Lock named after a streaming message while this tab writes it, so another tab
 * starting up does not mistake a live answer for one cut off by a crash.
 */
export function holdStreamLock(messageId: string): () => void {
	let release: () => void = () => {};
	const done = new Promise<void>((resolve) => (release = resolve));
	globalThis.navigator?.locks?.request(`${PREFIX}${messageId}`, () => done).catch(() => {});
	return release;
}

/** Ids of messages some open tab is streaming right now. */
export async function activeStreamIds(): Promise<Set<string>> {
	try {
		const state = await globalThis.navigator?.locks?.query();
		const names = (state?.held ?? []).map((l) => l.name ?? '');
		return new Set(names.filter((n) => n.startsWith(PREFIX)).map((n) => n.slice(PREFIX.length)));
	} catch {
		return new Set();
	}
}
