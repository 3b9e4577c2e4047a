// Rows the agent's tools keep in IndexedDB.
import type { ImageMime } from '$lib/types/llm';

/** `missed`: its time passed while Hearth was closed; shown at the next visit. */
export type ReminderStatus = 'scheduled' | 'fired' | 'missed' | 'cancelled';

export interface Reminder {
	id: string;
	text: string;
	/** Epoch ms. */
	dueAt: number;
	createdAt: number;
	status: ReminderStatus;
	/** The conversation that set it, when one did. */
	conversationId?: string;
}

/** A folder the user granted through the File System Access API (handles are storable). */
export interface GrantedFolder {
	id: string;
	name: string;
	/** Absent for the OPFS scratch space, which needs no grant. */
	handle?: FileSystemDirectoryHandle;
	kind: 'granted' | 'scratch';
	addedAt: number;
	/** Writes and creates are allowed here (each still asks first). */
	writable: boolean;
}

/** A file the user attached to a conversation (Python sees it read-only under /data). */
export interface Attachment {
	id: string;
	conversationId: string;
	name: string;
	type: string;
	size: number;
	data: Blob;
	addedAt: number;
}

/** An image attached to a message: the downscaled bytes and a small thumbnail (images table). */
export interface StoredImage {
	id: string;
	conversationId: string;
	/** Null while it waits in the composer; set when the message is sent. */
	messageId: string | null;
	name: string;
	mime: ImageMime;
	width: number;
	height: number;
	data: Blob;
	/** A small JPEG for the composer and history (≤ 160 px on the long side). */
	thumbnail: Blob;
	addedAt: number;
}
