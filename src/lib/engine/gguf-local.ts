import { modelNameOf, verifyGgufFile } from '$lib/engine/gguf-header';
import type { GgufHeader } from '$lib/engine/gguf-header';
import { localModelId } from '$lib/engine/gguf-models';
import { HearthError, toHearthError } from '$lib/types/errors';
import type { GgufModelRecord, LocalGgufFile } from '$lib/types/gguf';

// GGUF files picked from this device: checked before anything is kept, recorded with their
// File System Access handles where the browser gives them (read in place, never copied), and
// read again later with the user's permission, which the browser asks for again after a reload.

/** A picked file: the File to read now, and its handle where the browser can keep one. */
export interface PickedFile {
	file: File;
	handle?: FileSystemFileHandle;
}

/** The permission methods of a FileSystemHandle (not in every DOM typing yet). */
interface PermissionHandle {
	queryPermission?(options: { mode: 'read' }): Promise<PermissionState>;
	requestPermission?(options: { mode: 'read' }): Promise<PermissionState>;
}

/** Whether the templates a header carries render tools (llama.cpp's own check). */
export function templateRendersTools(header: Pick<GgufHeader, 'chatTemplate'>): boolean {
	return /\btools\b/.test(header.chatTemplate ?? '');
}

/**
 * Checks picked files (a model, or every split of one, maybe with its projector) and makes the
 * record that keeps them: with handles when every file has one, else marked to be copied.
 * Throws model_corrupt naming the first file that is not a whole GGUF.
 */
export async function localRecord(
	picked: readonly PickedFile[],
	uuid: string,
	now: number
): Promise<{ record: GgufModelRecord; files: File[] }> {
	const sorted = [...picked].sort((a, b) => a.file.name.localeCompare(b.file.name));
	const headers: GgufHeader[] = [];
	for (const { file } of sorted) headers.push(await verifyGgufFile(file, file.name));
	const model = headers.find((h) => !h.projector) ?? headers[0]!;
	const handles = sorted.every((p) => p.handle !== undefined);
	const files: LocalGgufFile[] = sorted.map((p) => ({
		name: p.file.name,
		size: p.file.size,
		...(handles && p.handle ? { handle: p.handle } : {})
	}));
	const record: GgufModelRecord = {
		id: localModelId(uuid),
		name: modelNameOf(model) ?? sorted[0]!.file.name.replace(/\.gguf$/i, ''),
		source: { kind: 'local', files, copied: !handles },
		addedAt: now,
		bytes: files.reduce((sum, f) => sum + f.size, 0),
		...(model.architecture ? { architecture: model.architecture } : {}),
		...(model.contextLength ? { contextLength: model.contextLength } : {}),
		nativeTools: templateRendersTools(model)
	};
	return { record, files: sorted.map((p) => p.file) };
}

function handlesOf(record: GgufModelRecord | undefined): (PermissionHandle | undefined)[] {
	const files = record?.source.kind === 'local' ? record.source.files : [];
	return files.map((f) => f.handle as PermissionHandle | undefined);
}

/** 'granted' when every picked file can be read now; 'prompt' when the browser must ask. */
export async function permissionOf(record: GgufModelRecord | undefined): Promise<PermissionState> {
	let state: PermissionState = 'granted';
	for (const handle of handlesOf(record)) {
		const answer = (await handle?.queryPermission?.({ mode: 'read' })) ?? 'granted';
		if (answer !== 'granted') state = answer;
	}
	return state;
}

/** Asks the browser to let Hearth read the files again (needs a click). */
export async function requestAccess(record: GgufModelRecord | undefined): Promise<PermissionState> {
	let state: PermissionState = 'granted';
	for (const handle of handlesOf(record)) {
		const answer = (await handle?.requestPermission?.({ mode: 'read' })) ?? 'granted';
		if (answer !== 'granted') state = answer;
	}
	return state;
}

/**
 * The picked files, read through their handles. Throws permission_denied when the browser wants
 * the user's yes first, file_not_found for a file whose handle was lost.
 */
export async function readLocal(record: GgufModelRecord): Promise<File[]> {
	const files = record.source.kind === 'local' ? record.source.files : [];
	try {
		return await Promise.all(
			files.map(async (f) => {
				if (!f.handle) throw new HearthError('file_not_found', `${f.name} is missing.`);
				return f.handle.getFile();
			})
		);
	} catch (e) {
		const error = toHearthError(e);
		if (error.code === 'file_not_found') throw error;
		throw new HearthError(
			'permission_denied',
			`Hearth needs your permission to read ${record.name} again: open Models and press Allow.`,
			{ cause: e }
		);
	}
}
