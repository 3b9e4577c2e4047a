// GGUF models the user added beyond the catalog, as stored (Dexie `ggufModels`, version 6).

/** A file picked from this device. */
export interface LocalGgufFile {
	name: string;
	size: number;
	/**
	 * The File System Access handle, where the browser has the API: the file is read in place
	 * (never copied) and the browser asks again for permission after a reload.
	 */
	handle?: FileSystemFileHandle;
}

export type GgufModelSource =
	/** Any GGUF by Hugging Face repository and file name (through the mirror setting). */
	| { kind: 'hf'; repo: string; file: string; mmproj?: string }
	/**
	 * Files picked from this device: kept as handles, or copied into Cache Storage where the
	 * browser cannot keep handles (`copied`).
	 */
	| { kind: 'local'; files: LocalGgufFile[]; copied: boolean };

export interface GgufModelRecord {
	/** "gguf:hf:<repo>:<file>" or "gguf:file:<uuid>". */
	id: string;
	name: string;
	source: GgufModelSource;
	addedAt: number;
	/** Read from its GGUF header once checked (download finished, or file picked). */
	architecture?: string;
	contextLength?: number;
	/** Its chat template renders tools, so tool calls come back natively. */
	nativeTools?: boolean;
	/** Bytes of all its files. */
	bytes?: number;
}
