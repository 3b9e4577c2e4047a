import { describe, expect, it } from 'vitest';
import { exportAll } from '$lib/storage/export';
import { parseExport } from '$lib/storage/export-schema';
import { freshDb } from '$lib/storage/test-db';
import { importText, sampleData } from '$lib/storage/export-fixtures';
import { HearthError } from '$lib/types/errors';

// Issue 15, Low 5 and 6: a backup is refused whole, before the first write, when any list repeats
// an id or a time lies outside what a date can hold; and the marks of untrusted text survive a
// round trip.

const memory = (id: string, patch: Record<string, unknown> = {}) => ({
	id,
	text: `memory ${id}`,
	kind: 'fact',
	status: 'kept',
	origin: 'explicit',
	createdAt: 1,
	updatedAt: 1,
	...patch
});

const image = (id: string) => ({
	id,
	conversationId: 'c0',
	messageId: null,
	name: 'a.png',
	mime: 'image/png',
	width: 1,
	height: 1,
	addedAt: 1,
	data: 'iVBORw0KGgo=',
	thumbnail: 'AA=='
});

function fileWith(extra: Record<string, unknown>): string {
	return JSON.stringify({ ...sampleData(1, 2), ...extra });
}

function refusal(text: string): string {
	try {
		parseExport(text);
	} catch (e) {
		expect(e).toBeInstanceOf(HearthError);
		expect((e as HearthError).code).toBe('import_invalid');
		return (e as HearthError).message;
	}
	throw new Error('the file was accepted');
}

const knowledge = (patch: Record<string, unknown>) => ({
	knowledge: { memories: [], collections: [], documents: [], chunks: [], ...patch }
});

describe('a backup is refused whole before anything is written', () => {
	it('when a memory, image, collection, document or chunk id appears twice', () => {
		expect(refusal(fileWith(knowledge({ memories: [memory('m'), memory('m')] })))).toContain(
			'knowledge.memories[1].id "m" appears twice'
		);
		expect(refusal(fileWith({ images: [image('i'), image('i')] }))).toContain(
			'images[1].id "i" appears twice'
		);
		const collection = { id: 'k', name: 'Notes', createdAt: 1 };
		expect(refusal(fileWith(knowledge({ collections: [collection, collection] })))).toContain(
			'knowledge.collections[1].id'
		);
	});

	it('and the database is untouched by such a file', async () => {
		const db = freshDb();
		const text = fileWith(knowledge({ memories: [memory('m'), memory('m')] }));
		await expect(importText(db, text)).rejects.toMatchObject({ code: 'import_invalid' });
		expect(await db.conversations.count()).toBe(0);
		expect(await db.messages.count()).toBe(0);
		expect(await db.memories.count()).toBe(0);
	});

	it('when a time is out of range (1e300, negative, not a number)', () => {
		expect(
			refusal(fileWith(knowledge({ memories: [memory('m', { updatedAt: 1e300 })] })))
		).toContain('knowledge.memories[0].updatedAt');
		const data = sampleData(1, 2);
		data.messages[0]!.createdAt = -5;
		expect(refusal(JSON.stringify(data))).toContain('messages[0].createdAt');
		const far = sampleData(1, 1);
		far.conversations[0]!.updatedAt = 8.64e15 + 1;
		expect(refusal(JSON.stringify(far))).toContain('conversations[0].updatedAt');
		expect(refusal(fileWith({ images: [{ ...image('i'), addedAt: 1e300 }] }))).toContain(
			'images[0].addedAt'
		);
	});
});

describe('marks of untrusted text in a backup', () => {
	it('survive export and import: answers, summaries, tool calls and memories', async () => {
		const db = freshDb();
		const source = 'fetch_page https://harbour.example/notes';
		const data = sampleData(1, 2);
		const [first, second] = data.messages;
		second!.untrusted = [source];
		second!.toolCalls = [
			{
				id: 't',
				name: 'fetch_page',
				args: { url: 'https://harbour.example/notes' },
				status: 'done',
				startedAt: 1,
				tainted: true,
				gate: 'your-words',
				untrustedResult: true
			}
		];
		data.conversations[0]!.summary = {
			text: 'Earlier: a page was read.',
			throughId: first!.id,
			coversCount: 1,
			untrusted: [source]
		};
		await importText(
			db,
			JSON.stringify({
				...data,
				...knowledge({ memories: [memory('m', { untrusted: [source] })] })
			})
		);
		const again = parseExport(JSON.stringify(await exportAll(db)));
		expect(again.messages.find((m) => m.id === second!.id)).toMatchObject({
			untrusted: [source],
			toolCalls: [{ gate: 'your-words', untrustedResult: true, tainted: true }]
		});
		expect(again.conversations[0]?.summary?.untrusted).toEqual([source]);
		expect(again.knowledge?.memories[0]?.untrusted).toEqual([source]);
	});
});
