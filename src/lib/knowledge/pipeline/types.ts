// The small interfaces the pipeline codes against, so it works with the real embedder and
// parsers and tests can pass simple real implementations.
import type { DirHandle, FileHandle } from '$lib/files/handles';
import type { SerializedError } from '$lib/types/errors';
import type { ChunkData } from '$lib/types/knowledge';

/** Embeds texts (the embedder adds the model's query/passage prefix). One vector per text. */
export type EmbedFn = (
	texts: string[],
	kind: 'query' | 'passage',
	signal?: AbortSignal
) => Promise<Float32Array[]>;

/** The embedding model in use: vectors of different models are never mixed. */
export interface ActiveEmbedder {
	model: string;
	embed: EmbedFn;
}

export interface ChunkSourceOptions {
	signal?: AbortSignal;
	/** Parsers report how far they are through the file, in bytes read or as a fraction. */
	onProgress?: (progress: { bytesRead?: number; fraction?: number }) => void;
}

/**
 * Parses and chunks one file as a stream. Throws HearthError (content_unreadable,
 * content_too_large, not_supported...) for a file it cannot read; the queue records the reason
 * and goes on with the next file.
 */
export type ChunkSource = (file: File, options: ChunkSourceOptions) => AsyncIterable<ChunkData>;

export type IngestInput =
	/** Files from the picker or a drop; a file's path is its webkitRelativePath, else its name. */
	| {
			kind: 'files';
			files: readonly File[];
			/** Handles of the same files, in order, when they were picked with file access. */
			handles?: readonly (FileHandle | undefined)[];
	  }
	/** A folder: only changed files are read again; files gone from it are removed. */
	| { kind: 'folder'; root: DirHandle }
	| { kind: 'text'; name: string; text: string; mime?: string }
	/** A page's text fetched by the caller (the agent's page fetch). */
	| { kind: 'url'; url: string; title?: string; text: string; mime?: string };

export type JobState = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

export interface FileError {
	path: string;
	error: SerializedError;
}

export interface JobProgress {
	jobId: string;
	collectionId: string;
	/** "notes.md", "3 files", "hearth/" or a URL: what the job is, for its progress bar. */
	label: string;
	state: JobState;
	filesTotal: number;
	filesDone: number;
	/** Files left as they were (same content as already indexed). */
	filesSkipped: number;
	/** Documents added or replaced. */
	filesIndexed: number;
	/** Documents removed because their file left the folder. */
	filesRemoved: number;
	chunks: number;
	/** Passages embedded now (not reused from an identical passage). */
	embedded: number;
	bytesTotal: number;
	bytesDone: number;
	/** Seconds left at the recent rate; undefined until there is a rate. */
	etaSeconds?: number;
	current?: string;
	errors: FileError[];
	/** Why the whole job stopped (state failed). */
	error?: SerializedError;
}
