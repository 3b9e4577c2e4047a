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
