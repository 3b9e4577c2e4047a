import { ensurePermission } from '$lib/files/access';
import { HearthError } from '$lib/types/errors';
import type { Collection, KnowledgeDocument } from '$lib/types/knowledge';
import type { IngestInput } from '$lib/knowledge/pipeline/types';

// What "re-index" means for each kind of document. Hearth keeps text, not files, so it needs a
// way back to the source: the folder or file handle kept from the picker (the browser asks for
// permission again in a later visit; call this from a click), or the page's URL. Only changed
// content is indexed again (the queue compares hashes), so re-indexing an unchanged source is cheap.

export type ReindexPlan =
	| { kind: 'ingest'; input: IngestInput }
	/** Fetch the page again (through the agent's page fetch, ledgered) and index its text. */
	| { kind: 'refetch'; url: string };

const REMEDY = 'Allow it when the browser asks, or add it again.';

export async function planReindex(
	doc: KnowledgeDocument,
	collection: Collection | undefined
): Promise<ReindexPlan> {
	switch (doc.source) {
		case 'folder': {
			const top = doc.path.split('/')[0] ?? '';
			const root = collection?.folders?.find((f) => f.name === top);
			if (!root) {
				throw new HearthError(
					'file_not_found',
					`Hearth no longer has access to the folder "${top}". Add the folder again to re-index it (unchanged files are skipped).`
				);
			}
			await ensurePermission(root, top, 'read', REMEDY);
			return { kind: 'ingest', input: { kind: 'folder', root } };
		}
		case 'file': {
			if (!doc.handle) {
				throw new HearthError(
					'not_supported',
					`"${doc.name}" was dropped or picked without file access, so Hearth kept only its text. Add the file again to re-index it (an unchanged file is skipped).`
				);
			}
			await ensurePermission(doc.handle, doc.name, 'read', REMEDY);
			let file: File;
			try {
				file = await doc.handle.getFile();
			} catch (e) {
				throw new HearthError(
					'file_not_found',
					`"${doc.name}" could not be read: it may have been moved or deleted.`,
					{ cause: e }
				);
			}
			return { kind: 'ingest', input: { kind: 'files', files: [file], handles: [doc.handle] } };
		}
		case 'url':
			return { kind: 'refetch', url: doc.path };
		case 'paste':
			throw new HearthError(
				'not_supported',
				'Pasted text has no source to read again: paste the new text to add it.'
			);
	}
}
