import { describe, expect, it } from 'vitest';
import type { JobProgress } from '$lib/knowledge/pipeline/types';
import { EMBED_CATALOG } from '$lib/knowledge/embed-catalog';
import {
	embedModelNote,
	jobFigures,
	jobPercent,
	jobStateText,
	passageLocation,
	reembedText,
	searchModeText
} from './knowledge-view';

function job(patch: Partial<JobProgress>): JobProgress {
	return {
		jobId: 'j',
		collectionId: 'c',
		label: 'notes',
		state: 'running',
		filesTotal: 10,
		filesDone: 3,
		filesSkipped: 0,
		filesIndexed: 0,
		filesRemoved: 0,
		chunks: 120,
		embedded: 100,
		bytesTotal: 0,
		bytesDone: 0,
		errors: [],
		...patch
	};
}

describe('passageLocation', () => {
	it('joins headings, symbol, lines and page', () => {
		expect(
			passageLocation({
				headings: ['Budget', 'Q3'],
				symbol: 'Repo › connect',
				startLine: 10,
				endLine: 24,
				page: 3
			})
		).toBe('Budget › Q3 · Repo › connect · lines 10–24 · page 3');
	});

	it('says "line" for a one-line range and nothing when nothing is known', () => {
		expect(passageLocation({ startLine: 7, endLine: 7 })).toBe('line 7');
		expect(passageLocation({})).toBe('');
	});
});

describe('job progress', () => {
	it('measures by bytes when known, else by files', () => {
		expect(jobPercent(job({ bytesTotal: 400, bytesDone: 100 }))).toBe(25);
		expect(jobPercent(job({}))).toBe(30);
		expect(jobPercent(job({ filesTotal: 0, filesDone: 0 }))).toBeNull();
		expect(jobPercent(job({ state: 'done', filesDone: 3 }))).toBe(100);
	});

	it('shows files, passages and time left while running', () => {
		expect(jobFigures(job({ etaSeconds: 150 }))).toBe(
			'3 of 10 files · 120 passages · about 3 min left'
		);
		expect(jobFigures(job({ filesTotal: 1, filesDone: 1, chunks: 1 }))).toBe(
			'1 of 1 file · 1 passage'
		);
		expect(jobFigures(job({ state: 'done', etaSeconds: 150 }))).toBe(
			'3 of 10 files · 120 passages'
		);
	});

	it('sums up a finished, failed or running job', () => {
		expect(
			jobStateText(
				job({
					state: 'done',
					filesIndexed: 2,
					filesSkipped: 1,
					errors: [{ path: 'x.pdf', error: { code: 'content_unreadable', message: 'Locked' } }]
				})
			)
		).toBe('Done: 2 files indexed, 1 unchanged, 1 could not be read');
		expect(
			jobStateText(
				job({ state: 'failed', error: { code: 'quota_exceeded', message: 'Storage is full.' } })
			)
		).toBe('Stopped: Storage is full.');
		expect(jobStateText(job({ current: 'a.md' }))).toBe('Reading a.md');
	});
});

describe('embedding model words', () => {
	it('notes size, quality and languages', () => {
		const gte = EMBED_CATALOG.find((m) => m.id === 'Xenova/gte-small');
		const e5 = EMBED_CATALOG.find((m) => m.languages === 'multilingual');
		if (!gte || !e5) throw new Error('catalog changed');
		expect(embedModelNote(gte)).toBe('34 MB · retrieval score 72.7 (SciFact nDCG@10) · English');
		expect(embedModelNote(e5)).toBe('135 MB · no published retrieval score · many languages');
	});

	it('counts the background re-embedding', () => {
		expect(reembedText({ done: 40, total: 200 })).toBe(
			'Re-embedding 40 of 200 passages in the background'
		);
	});
});

describe('searchModeText', () => {
	it('names the mode and gives the reason for a keyword search', () => {
		expect(searchModeText('hybrid')).toBe('Hybrid search (keywords and meaning).');
		expect(
			searchModeText('lexical', 'No embedding model is ready, so this was a keyword search.')
		).toBe('Keywords only. No embedding model is ready, so this was a keyword search.');
	});
});
