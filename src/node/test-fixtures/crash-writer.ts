import { SqliteChatStore } from '../sqlite-chat-store';

// A process that writes a conversation as fast as it can and prints "ack …" after each write
// resolves, until it is killed: sqlite-chat-store.test.ts kills it with SIGKILL mid-stream and
// checks that every acknowledged write is on disk. Test-only.

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: crash-writer <database file>');
const store = await SqliteChatStore.open(file);
const conversation = await store.createConversation({ title: 'Crash test' });
process.stdout.write(`conversation ${conversation.id}\n`);
let parentId: string | null = null;
for (let turn = 0; ; turn++) {
	const question = await store.addMessage({
		conversationId: conversation.id,
		parentId,
		role: 'user',
		content: `question ${turn}`,
		status: 'done'
	});
	process.stdout.write(`ack message ${question.id}\n`);
	const answer = await store.addMessage({
		conversationId: conversation.id,
		parentId: question.id,
		role: 'assistant',
		content: '',
		status: 'streaming'
	});
	process.stdout.write(`ack message ${answer.id}\n`);
	// The answer streams in: each save is acknowledged with the length saved.
	let text = '';
	for (let piece = 0; piece < 20; piece++) {
		text += `word${piece} `;
		await store.updateMessage(answer.id, { content: text });
		process.stdout.write(`ack text ${answer.id} ${text.length}\n`);
	}
	await store.updateMessage(answer.id, { status: 'done' });
	process.stdout.write(`ack done ${answer.id}\n`);
	parentId = answer.id;
}
