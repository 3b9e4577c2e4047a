import { describe, expect, it, vi } from 'vitest';
import { BackupState } from '$lib/state/backup.svelte';
import type { ChatStore } from '$lib/conversation/chat-store';
import type { HearthDb } from '$lib/storage/db';

// Import results and errors are kept on the state Settings → Data shows (inside the dialog where
// the import was started), until dismissed or the next import: never a toast behind the dialog.

function setup(clearAll: () => Promise<void> = async () => {}) {
	const onError = vi.fn();
	const backup = new BackupState({
		db: {} as HearthDb,
		store: { clearAll } as unknown as ChatStore,
		onError,
		onConversationsChanged: async () => {},
		onKnowledgeImported: () => {}
	});
	return { backup, onError };
}

describe('BackupState outcome', () => {
	it('keeps a broken file’s reason until dismissed', async () => {
		const { backup, onError } = setup();
		const file = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff])], 'broken.json');
		await backup.importFile(file);
		expect(backup.outcome?.kind).toBe('error');
		expect(backup.outcome?.text).toMatch(/can't be imported/i);
		expect(onError).not.toHaveBeenCalled();
		backup.dismissOutcome();
		expect(backup.outcome).toBeNull();
	});

	it('says everything was deleted, in the same place', async () => {
		const { backup } = setup();
		await backup.clearAll();
		expect(backup.outcome).toEqual({ kind: 'done', text: 'All conversations deleted.' });
	});
});
