// The plain shapes the knowledge components take; the lead maps repository and pipeline state
// onto them.
import type { DownloadProgress } from '$lib/engine/download-progress';
import type { EmbedDevice } from '$lib/protocol/embed';

/** One collection with its totals (KnowledgeRepository storage figures). */
export interface CollectionRow {
	id: string;
	name: string;
	documents: number;
	chunks: number;
	/** Bytes the collection takes in storage (text and vectors, or source sizes: the caller's pick). */
	bytes: number;
}

/** Where the embedding model stands. */
export type EmbedModelState =
	| { state: 'not_downloaded' }
	/** progress is null until the first report. */
	| { state: 'downloading'; progress: DownloadProgress | null }
	| { state: 'loading' }
	| { state: 'ready'; device: EmbedDevice; fallbackReason?: string }
	/** A sentence a person can act on. */
	| { state: 'failed'; message: string };

/** A chunk as the passage viewer shows it (StoredChunk fits). */
export interface ViewerChunk {
	id: string;
	ordinal: number;
	text: string;
	headings?: string[];
	symbol?: string;
	startLine?: number;
	endLine?: number;
	page?: number;
}
