// `npm run bench -- store`: the terminal's conversation store (SqliteChatStore on disk) against
// the same SQL written straight to libsql (the baseline: what the store's own layer costs), and
// history search against a full scan of every message in the same database.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeLoader, loadTs } from './node-load.js';
import { median, ratio, round } from './lib.js';

const WRITES = 2000;
const CONVERSATIONS = 10_000;
const TEXT =
	'The quick brown fox jumps over the lazy dog while we talk about sourdough and trams. ';

/** @param {() => Promise<void> | void} work @param {number} n */
async function perSecond(work, n) {
	const started = performance.now();
	for (let i = 0; i < n; i++) await work();
	return (n / (performance.now() - started)) * 1000;
}

export async function run() {
	const dir = await mkdtemp(path.join(tmpdir(), 'hearth-bench-store-'));
	const { SqliteChatStore } = await loadTs('src/node/sqlite-chat-store.ts');
	const Database = createRequire(import.meta.url)('libsql');
	try {
		// Acknowledged writes: every call is its own durable transaction (WAL, synchronous=NORMAL).
		const store = await SqliteChatStore.open(path.join(dir, 'store.db'));
		const c = await store.createConversation({ title: 'bench' });
		let parentId = null;
		const storeRate = await perSecond(async () => {
			const m = await store.addMessage({
				conversationId: c.id,
				parentId,
				role: 'user',
				content: TEXT,
				status: 'done'
			});
			parentId = m.id;
		}, WRITES);
		const answer = await store.addMessage({
			conversationId: c.id,
			parentId,
			role: 'assistant',
			content: '',
			status: 'streaming'
		});
		let streamed = '';
		const updateRate = await perSecond(async () => {
			streamed += 'word ';
			await store.updateMessage(answer.id, { content: streamed });
		}, WRITES);

		const raw = new Database(path.join(dir, 'raw.db'));
		raw.pragma('journal_mode = WAL');
		raw.pragma('synchronous = NORMAL');
		raw.exec(
			'CREATE TABLE c (id TEXT PRIMARY KEY, data TEXT); CREATE TABLE m (id TEXT PRIMARY KEY, cid TEXT, created INTEGER, data TEXT)'
		);
		raw.prepare("INSERT INTO c VALUES ('c', '{}')").run();
		const insert = raw.prepare('INSERT INTO m VALUES (?, ?, ?, ?)');
		const leaf = raw.prepare("UPDATE c SET data = ? WHERE id = 'c'");
		const write = raw.transaction((i) => {
			insert.run(`m${i}`, 'c', i, JSON.stringify({ content: TEXT }));
			leaf.run(JSON.stringify({ leafId: `m${i}` }));
		});
		let i = 0;
		const rawRate = await perSecond(() => write.immediate(i++), WRITES);
		const rawUpdate = raw.prepare('UPDATE m SET data = ? WHERE id = ?');
		let rawText = '';
		const rawUpdateRate = await perSecond(() => {
			rawText += 'word ';
			rawUpdate.run(JSON.stringify({ content: rawText }), 'm0');
		}, WRITES);
		raw.close();
		store.close();

		// History search at 10,000 conversations / 20,000 messages.
		const big = await SqliteChatStore.open(path.join(dir, 'search.db'));
		const topics = [
			'chess opening',
			'python question',
			'sourdough starter',
			'lisbon trams',
			'tax forms'
		];
		for (let n = 0; n < CONVERSATIONS; n++) {
			const conv = await big.createConversation({ title: `Conversation ${n}` });
			const topic = topics[n % topics.length];
			const q = await big.addMessage({
				conversationId: conv.id,
				parentId: null,
				role: 'user',
				content: n === 1234 ? 'the zanzibar snorkelling itinerary' : `a ${topic} number ${n}`,
				status: 'done'
			});
			await big.addMessage({
				conversationId: conv.id,
				parentId: q.id,
				role: 'assistant',
				content: `${TEXT} ${topic}`,
				status: 'done'
			});
		}
		big.close();
		const reader = await SqliteChatStore.open(path.join(dir, 'search.db'));
		const scanDb = new Database(path.join(dir, 'search.db'), { readonly: true });
		const scan = scanDb.prepare('SELECT data FROM messages');
		/** @param {string} query */
		const fullScan = (query) => {
			const words = query.toLowerCase().split(/\s+/);
			const hits = new Set();
			for (const row of scan.iterate()) {
				const m = JSON.parse(row.data);
				const text = m.content.toLowerCase();
				if (words.every((w) => text.includes(w))) hits.add(m.conversationId);
			}
			return hits.size;
		};
		const rows = [
			{
				operation: `add a message (${WRITES}, each acknowledged)`,
				'Hearth /s': round(storeRate, 0),
				'raw libsql /s': round(rawRate, 0),
				ratio: ratio(rawRate, storeRate)
			},
			{
				operation: 'save streamed text (updateMessage)',
				'Hearth /s': round(updateRate, 0),
				'raw libsql /s': round(rawUpdateRate, 0),
				ratio: ratio(rawUpdateRate, updateRate)
			}
		];
		const searchRows = [];
		for (const query of ['zanzib', 'zanzibar snorkelling', 'chess 4', 'python question']) {
			const ours = [];
			const scans = [];
			let count = 0;
			for (let r = 0; r < 5; r++) {
				let t = performance.now();
				count = (await reader.search(query)).length;
				ours.push(performance.now() - t);
				t = performance.now();
				fullScan(query);
				scans.push(performance.now() - t);
			}
			searchRows.push({
				query,
				hits: count,
				'Hearth ms': round(median(ours), 2),
				'full scan ms': round(median(scans), 1),
				// Three decimals: an indexed hit is hundreds of times faster than the scan.
				ratio: `${(median(ours) / median(scans)).toFixed(3)}x`
			});
		}
		scanDb.close();
		reader.close();
		return {
			title: 'Conversation store on disk (SqliteChatStore, libsql WAL)',
			rows: [
				...rows,
				...searchRows.map((r) => ({
					operation: `search "${r.query}" (${r.hits} shown)`,
					'Hearth /s': `${r['Hearth ms']} ms`,
					'raw libsql /s': `${r['full scan ms']} ms (full scan)`,
					ratio: r.ratio
				}))
			],
			notes: [
				'Write ratios are raw ÷ Hearth (how many times faster the bare SQL is); search ratios are Hearth ÷ full scan.',
				`Search over ${CONVERSATIONS.toLocaleString('en')} conversations / ${(CONVERSATIONS * 2).toLocaleString('en')} messages, median of 5.`
			]
		};
	} finally {
		await closeLoader();
		await rm(dir, { recursive: true, force: true });
	}
}
