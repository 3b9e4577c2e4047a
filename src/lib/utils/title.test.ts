import { describe, expect, it } from 'vitest';
import { cleanGeneratedTitle, isGoodTitle, titleFromText } from '$lib/utils/title';

describe('titles', () => {
	it('keeps a short plain opening as the title (no model call needed)', () => {
		expect(isGoodTitle('Plan a garden party')).toBe(true);
		expect(isGoodTitle("What's the weather in Porto?")).toBe(true);
	});

	it('asks for a written title when the opening is not one', () => {
		expect(isGoodTitle('hi')).toBe(false); // one word says nothing
		expect(isGoodTitle('plan a **garden** party')).toBe(false); // markdown
		expect(isGoodTitle('Why does this fail?\n```py\nx=1\n```')).toBe(false); // several lines
		expect(isGoodTitle('Summarise https://example.com/article for me')).toBe(false);
		expect(
			isGoodTitle('I have a big garden and about thirty guests coming, what should I plan?')
		).toBe(false); // too long
	});

	it('a first title is the first line, clipped', () => {
		expect(titleFromText('  hello\nworld ')).toBe('hello');
		expect(titleFromText('x'.repeat(80))).toHaveLength(60);
		expect(titleFromText('   ')).toBe('New chat');
	});

	it('cleans what a model wrote', () => {
		expect(cleanGeneratedTitle('<think>hm</think>Title: "Garden Party Plans."')).toBe(
			'Garden Party Plans'
		);
		expect(cleanGeneratedTitle('   ')).toBeNull();
	});
});
