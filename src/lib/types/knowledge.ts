import type { SerializedError } from '$lib/types/errors';
import type { DirHandle, FileHandle } from '$lib/files/handles';

// Plain data for the knowledge base (documents, chunks, vectors) and long-term memory.

/** What a parser makes of a file: text pieces with where they came from, before chunking. */
export interface ParsedSection {
	text: string;
	/** Heading path, e.g. ["Budget", "Q3"], kept on every chunk cut from this section. */
	headings?: string[];
	/** For code: the enclosing symbol(s), e.g. "class Repo › connect". */
	symbol?: string;
	/** 1-based lines in the source file (code, text). */
	startLine?: number;
	endLine?: number;
	/** 1-based page (PDF). */
	page?: number;
}

/** One retrievable passage. */
export interface ChunkData {
	/** Position in its document, from 0. */
	ordinal: number;
	text: string;
	headings?: string[];
	symbol?: string;
	startLine?: number;
	endLine?: number;
	page?: number;
	/** SHA-256 (hex) of the text: identical passages are embedded once. */
	hash: string;
}

/** A scored hit from any index. */
export interface SearchHit {
	id: string;
	score: number;
}

/** A named set of documents ("Work notes", "hearth repo"); searches can be limited to some. */
export interface Collection {
	id: string;
	name: string;
	createdAt: number;
	/**
	 * Folders indexed into it (File System Access handles, which IndexedDB stores): re-indexing
	 * in a later visit walks them again after asking for permission.
	 */
	folders?: DirHandle[];
}

export type DocumentSource = 'file' | 'folder' | 'paste' | 'url';

/** One ingested file, paste or page. */
export interface KnowledgeDocument {
	id: string;
	collectionId: string;
	name: string;
	/** Path inside an indexed folder, or the URL of a page; re-indexing matches on it. */
	path: string;
	source: DocumentSource;
	mime: string;
	size: number;
	/** SHA-256 (hex) of the whole content: an unchanged file is not indexed again. */
	hash: string;
	/** The file's own lastModified, when known. */
	modifiedAt?: number;
	addedAt: number;
	updatedAt: number;
	status: 'indexed' | 'error';
	error?: SerializedError;
	chunkCount: number;
	/** The picked file's handle (File System Access), so it can be read again to re-index. */
	handle?: FileHandle;
}

/** A chunk as stored: the passage plus where it belongs. */
export interface StoredChunk extends ChunkData {
	id: string;
	documentId: string;
	collectionId: string;
}

/** An embedding, stored as raw bytes (Float32, or Int8 with a scale), never as JSON. */
export interface StoredVector {
	/** The embedding model's id: vectors of different models never mix. */
	model: string;
	/** A chunk id, or `memory:<id>` / `message:<id>`. */
	key: string;
	dims: number;
	encoding: 'f32' | 'i8';
	/** For i8: value = byte * scale. */
	scale?: number;
	data: ArrayBuffer;
}

export type MemoryKind = 'fact' | 'preference';

/** Something Hearth remembers about the user. */
export interface Memory {
	id: string;
	text: string;
	kind: MemoryKind;
	/** `proposed`: found in a conversation, waiting for the user to keep or discard it. */
	status: 'kept' | 'proposed';
	/** Said explicitly ("remember that…") or proposed from a conversation. */
	origin: 'explicit' | 'proposed';
	createdAt: number;
	updatedAt: number;
	conversationId?: string;
	/**
	 * Where the untrusted text came from that the conversation held when this was written (a page,
	 * a file, an image…): the words may be that text's, not the user's. Shown in the Memory
	 * screen; in a prompt such a memory is fenced as untrusted. Editing it, or "Mark as mine",
	 * makes it the user's own. Absent: the user's own words.
	 */
	untrusted?: string[];
}
