// Words and figures the knowledge screen shows, kept out of the components so they are tested.
import type { EmbedModelInfo } from '$lib/knowledge/embed-catalog';
import type { JobProgress } from '$lib/knowledge/pipeline/types';
import { formatBytes, formatEta } from '$lib/utils/format-bytes';

/** Where a passage sits in its document: what the search results and the viewer show. */
export interface PassagePlace {
	headings?: string[];
	symbol?: string;
	startLine?: number;
	endLine?: number;
	page?: number;
}

/** "Budget › Q3 · class Repo › connect · lines 10–24 · page 3"; '' when nothing is known. */
export function passageLocation(place: PassagePlace): string {
	const parts: string[] = [];
	if (place.headings?.length) parts.push(place.headings.join(' › '));
	if (place.symbol) parts.push(place.symbol);
	if (place.startLine !== undefined) {
		parts.push(
			place.endLine !== undefined && place.endLine !== place.startLine
				? `lines ${place.startLine}–${place.endLine}`
				: `line ${place.startLine}`
		);
	}
	if (place.page !== undefined) parts.push(`page ${place.page}`);
	return parts.join(' · ');
}

function plural(n: number, one: string, many = `${one}s`): string {
	return `${n} ${n === 1 ? one : many}`;
}

/** 0..100 for the job's bar: by bytes when sizes are known, else by files; null while unknown. */
export function jobPercent(p: JobProgress): number | null {
	if (p.state === 'done') return 100;
	if (p.bytesTotal > 0) return Math.floor(Math.min(1, p.bytesDone / p.bytesTotal) * 100);
	if (p.filesTotal > 0) return Math.floor(Math.min(1, p.filesDone / p.filesTotal) * 100);
	return null;
}

/** "3 of 10 files · 120 passages · about 2 min left". */
export function jobFigures(p: JobProgress): string {
	const parts = [
		p.filesTotal > 0
			? `${p.filesDone} of ${plural(p.filesTotal, 'file')}`
			: plural(p.filesDone, 'file'),
		plural(p.chunks, 'passage')
	];
	if (p.state === 'running') {
		const eta = formatEta(p.etaSeconds ?? null);
		if (eta) parts.push(eta);
	}
	return parts.join(' · ');
}

/** What became of a job, in a few words. */
export function jobStateText(p: JobProgress): string {
	switch (p.state) {
		case 'queued':
			return 'Waiting';
		case 'running':
			return p.current ? `Reading ${p.current}` : 'Working';
		case 'cancelled':
			return 'Cancelled';
		case 'failed':
			return p.error ? `Stopped: ${p.error.message}` : 'Stopped';
		case 'done': {
			const parts = [`${plural(p.filesIndexed, 'file')} indexed`];
			if (p.filesSkipped) parts.push(`${p.filesSkipped} unchanged`);
			if (p.filesRemoved) parts.push(`${p.filesRemoved} removed`);
			if (p.errors.length) parts.push(`${p.errors.length} could not be read`);
			return `Done: ${parts.join(', ')}`;
		}
	}
}

/** "34 MB · SciFact 72.7 · English" — the picker's size and quality note. */
export function embedModelNote(
	model: Pick<EmbedModelInfo, 'sizeMB' | 'scifactNdcg10' | 'languages'>
): string {
	const parts = [formatBytes(model.sizeMB * 1_000_000)];
	parts.push(
		model.scifactNdcg10 === null
			? 'no published retrieval score'
			: `retrieval score ${model.scifactNdcg10.toFixed(1)} (SciFact nDCG@10)`
	);
	parts.push(model.languages === 'multilingual' ? 'many languages' : 'English');
	return parts.join(' · ');
}

/** "Re-embedding 40 of 200 passages in the background". */
export function reembedText(progress: { done: number; total: number }): string {
	return `Re-embedding ${progress.done} of ${plural(progress.total, 'passage')} in the background`;
}

/** The search mode line: what ran and, for a keyword-only search, why. */
export function searchModeText(mode: 'hybrid' | 'lexical' | 'dense', fallback?: string): string {
	if (mode === 'hybrid') return 'Hybrid search (keywords and meaning).';
	if (mode === 'dense') return 'Search by meaning only.';
	return fallback ? `Keywords only. ${fallback}` : 'Keywords only.';
}
