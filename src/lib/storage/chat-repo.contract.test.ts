import { describeChatStoreContract } from '$lib/storage/chat-store-contract';
import { ChatRepository } from '$lib/storage/chat-repo';
import { freshDb } from '$lib/storage/test-db';

describeChatStoreContract('ChatRepository (Dexie over fake-indexeddb)', async () => {
	const db = freshDb();
	return {
		store: new ChatRepository(db),
		close: async () => db.close()
	};
});
