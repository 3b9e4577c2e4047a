import { describe, expect, it } from 'vitest';
import { checkAttachments, MAX_ATTACHMENT_BYTES } from './attachments';

const file = (name: string, size: number) => ({ name, size });

describe('checkAttachments', () => {
	it('accepts files up to the limit', () => {
		const ok = [file('a.csv', 10), file('b.json', MAX_ATTACHMENT_BYTES)];
		expect(checkAttachments(ok)).toEqual({ accepted: ok, rejection: null });
	});

	it('refuses a file over the limit with its size and the limit', () => {
		const big = file('big.parquet', 30_000_000);
		const small = file('small.csv', 100);
		const result = checkAttachments([big, small]);
		expect(result.accepted).toEqual([small]);
		expect(result.rejection).toBe(
			'Not attached: big.parquet is 30 MB; files can be at most 25 MB.'
		);
	});

	it('names several refused files, and empty ones', () => {
		const result = checkAttachments(
			[file('a', 2000), file('b', 3000), file('c', 0), file('d', 10)],
			1000
		);
		expect(result.accepted.map((f) => f.name)).toEqual(['d']);
		expect(result.rejection).toBe(
			'Not attached: a, b are larger than 1 KB, the most a file can be. c is empty.'
		);
	});

	it('shortens a long list of names', () => {
		const many = Array.from({ length: 5 }, (_, i) => file(`f${i}`, 0));
		expect(checkAttachments(many).rejection).toBe('Not attached: f0, f1, f2 and 2 more are empty.');
	});
});
