// Which chunks the passage viewer shows: a window around the current one, in document order.

/** Index range [start, end) of `radius` chunks either side of `index`, clamped to `length`. */
export function chunkWindow(
	length: number,
	index: number,
	radius: number
): { start: number; end: number } {
	if (length <= 0) return { start: 0, end: 0 };
	const at = Math.min(Math.max(0, index), length - 1);
	const span = Math.max(0, radius);
	// Near an edge the window extends on the other side, so it always shows as many as it can.
	let start = Math.max(0, at - span);
	const end = Math.min(length, start + 2 * span + 1);
	start = Math.max(0, end - (2 * span + 1));
	return { start, end };
}

/** Chunks sorted by ordinal and the index of `id` in them (-1 when absent). */
export function orderChunks<T extends { id: string; ordinal: number }>(
	chunks: readonly T[],
	id: string | null
): { ordered: T[]; index: number } {
	const ordered = [...chunks].sort((a, b) => a.ordinal - b.ordinal);
	return { ordered, index: id === null ? -1 : ordered.findIndex((c) => c.id === id) };
}
