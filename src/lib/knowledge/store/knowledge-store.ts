import type { KnowledgeRepository } from './knowledge-repo';

// What the ingest queue, the search indexes and re-embedding need of a knowledge store, so the
// same pipeline runs over IndexedDB in the browser (KnowledgeRepository) and over SQLite in the
// terminal (src/node/sqlite-knowledge.ts). Same invariant in both: a chunk is searchable only
// once its document row is committed.
export type KnowledgeStore = Pick<
	KnowledgeRepository,
	| 'newId'
	| 'now'
	| 'subscribe'
	| 'listCollections'
	| 'listDocuments'
	| 'getDocument'
	| 'getDocuments'
	| 'findDocumentByPath'
	| 'touchDocument'
	| 'commitDocument'
	| 'deleteDocument'
	| 'discardUncommitted'
	| 'removeOrphans'
	| 'putChunks'
	| 'chunksOf'
	| 'getChunks'
	| 'eachChunk'
	| 'getVectors'
	| 'putVectors'
	| 'eachVector'
	| 'vectorsByChunkHash'
	| 'vectorKeys'
>;
