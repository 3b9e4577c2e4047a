// What an ingest job will index: one Item per file, whatever the job kind (picked files, a
// folder walk, a paste or a page's text), each read only when it is indexed.
import type { FileHandle } from '$lib/files/handles';
import { hashBlob } from '$lib/knowledge/store/hash';
import { HearthError } from '$lib/types/errors';
import type { DocumentSource } from '$lib/types/knowledge';
import { walkFolder } from './folder-walk';
import type { IngestInput } from './types';

/** One file to index, whatever the job kind. */
export interface Item {
	path: string;
	name: string;
	source: DocumentSource;
	size: number;
	modifiedAt?: number;
	file: () => Promise<File>;
	/** Known before reading (pasted text), else computed from the bytes. */
	hash?: string;
	/** A picked file's handle, kept on the document for re-indexing. */
	handle?: FileHandle;
}

/** The files a job will index, with what is known of each before reading it. */
export async function planItems(input: IngestInput, signal: AbortSignal): Promise<Item[]> {
	switch (input.kind) {
		case 'files':
			return input.files.map((file, i) => ({
				path: file.webkitRelativePath || file.name,
				name: file.name,
				source: 'file' as const,
				size: file.size,
				modifiedAt: file.lastModified,
				file: async () => file,
				handle: input.handles?.[i]
			}));
		case 'folder': {
			const walked = await walkFolder(input.root, signal);
			const items: Item[] = [];
			for (const { path, handle } of walked) {
				// getFile() is a snapshot of metadata; reading the bytes comes later, if needed.
				const file = await handle.getFile();
				items.push({
					path,
					name: handle.name,
					source: 'folder',
					size: file.size,
					modifiedAt: file.lastModified,
					file: () => freshFile(handle)
				});
			}
			return items;
		}
		case 'text': {
			const file = new File([input.text], input.name, { type: input.mime ?? 'text/plain' });
			const hash = await hashBlob(file);
			// Pastes have no path; one per content, so the same paste twice is one document.
			return [
				{
					path: `paste:${hash}`,
					name: input.name,
					source: 'paste',
					size: file.size,
					hash,
					file: async () => file
				}
			];
		}
		case 'url': {
			const name = input.title?.trim() || input.url;
			const file = new File([input.text], name, { type: input.mime ?? 'text/plain' });
			return [{ path: input.url, name, source: 'url', size: file.size, file: async () => file }];
		}
	}
}

/** A file handle's current bytes; a file deleted since the walk is reported, not fatal. */
async function freshFile(handle: FileHandle): Promise<File> {
	try {
		return await handle.getFile();
	} catch (e) {
		throw new HearthError('file_not_found', `"${handle.name}" could not be read any more.`, {
			cause: e
		});
	}
}

/** How a job is named in the progress list. */
export function labelOf(input: IngestInput): string {
	switch (input.kind) {
		case 'files':
			return input.files.length === 1
				? (input.files[0]?.name ?? '1 file')
				: `${input.files.length} files`;
		case 'folder':
			return `${input.root.name}/`;
		case 'text':
			return input.name;
		case 'url':
			return input.title?.trim() || input.url;
	}
}
