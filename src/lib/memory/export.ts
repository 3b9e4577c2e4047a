// What the memory screen's "Export" downloads: JSON to keep or move, Markdown to read.
import type { Memory } from '$lib/types/knowledge';

export interface MemoryExport {
	format: 'hearth-memories';
	version: 1;
	exportedAt: string;
	memories: Memory[];
}

export function memoriesToJson(memories: readonly Memory[], now: number): string {
	const data: MemoryExport = {
		format: 'hearth-memories',
		version: 1,
		exportedAt: new Date(now).toISOString(),
		memories: [...memories]
	};
	return JSON.stringify(data, null, 2);
}

const KIND_HEADING = { preference: 'Preferences', fact: 'Facts' } as const;

/** Kept memories by kind, then proposals still waiting; dates as ISO days. */
export function memoriesToMarkdown(memories: readonly Memory[]): string {
	const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
	const item = (m: Memory) => `- ${m.text.replace(/\n+/g, ' ')} _(${day(m.updatedAt)})_`;
	const out = ['# Hearth memories', ''];
	const kept = memories.filter((m) => m.status === 'kept');
	for (const kind of ['preference', 'fact'] as const) {
		const group = kept.filter((m) => m.kind === kind);
		if (group.length > 0) out.push(`## ${KIND_HEADING[kind]}`, '', ...group.map(item), '');
	}
	const proposed = memories.filter((m) => m.status === 'proposed');
	if (proposed.length > 0) out.push('## Proposed (not kept yet)', '', ...proposed.map(item), '');
	if (memories.length === 0) out.push('No memories yet.', '');
	return out.join('\n');
}
