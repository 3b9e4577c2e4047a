import { describe, expect, it } from 'vitest';
import {
	dashboardData,
	daysBetween,
	lastDays,
	modelOptions,
	rollupsCsv,
	toCsv
} from '$lib/metrics/dashboard';
import type { Feedback } from '$lib/metrics/feedback';
import { answerMetric, dayOf } from '$lib/metrics/record';
import { addToRollup, emptyRollup } from '$lib/metrics/rollup';
import type { AnswerMetric, DayRollup } from '$lib/metrics/types';
import type { Message } from '$lib/types/chat';

function metric(over: Partial<AnswerMetric>): AnswerMetric {
	return {
		id: 'x',
		messageId: 'x',
		at: 0,
		day: '2025-06-01',
		engine: 'ollama',
		model: 'qwen',
		status: 'done',
		firstTokenMs: 400,
		totalMs: 900,
		tokensPerSecond: 20,
		tools: [],
		features: { voice: false, images: false, knowledge: false, memory: false },
		...over
	};
}

function rollups(metrics: AnswerMetric[]): DayRollup[] {
	const byKey = new Map<string, DayRollup>();
	for (const m of metrics) {
		const key = emptyRollup(m).key;
		byKey.set(key, addToRollup(byKey.get(key) ?? emptyRollup(m), m));
	}
	return [...byKey.values()];
}

const vote = (over: Partial<Feedback>): Feedback => ({
	messageId: 'm',
	conversationId: 'c',
	rating: 'up',
	at: 0,
	day: '2025-06-01',
	engine: 'ollama',
	model: 'qwen',
	...over
});

describe('dashboard data', () => {
	const data = rollups([
		metric({ day: '2025-06-01' }),
		metric({
			day: '2025-06-01',
			status: 'error',
			errorCode: 'engine_unreachable',
			firstTokenMs: undefined
		}),
		metric({
			day: '2025-06-03',
			model: 'llama',
			tokensPerSecond: 40,
			firstTokenMs: 1500,
			tools: [
				{ name: 'web_search', status: 'done' },
				{ name: 'web_search', status: 'error', errorCode: 'network_failed' }
			]
		})
	]);
	const feedback = [
		vote({ day: '2025-06-01' }),
		vote({ day: '2025-06-01', rating: 'down', reason: 'Made up a source', at: 5 }),
		vote({ day: '2025-06-03', model: 'llama' })
	];

	it('fills quiet days, and sums answers, errors, tools and feedback over the range', () => {
		const d = dashboardData(data, feedback, { models: [], from: '2025-06-01', to: '2025-06-03' });
		expect(d.answersPerDay.map((x) => [x.day, x.answers, x.errors])).toEqual([
			['2025-06-01', 2, 1],
			['2025-06-02', 0, 0],
			['2025-06-03', 1, 0]
		]);
		expect(d.totals).toMatchObject({
			answers: 3,
			errors: 1,
			toolCalls: 2,
			toolSuccessRate: 0.5,
			up: 2,
			down: 1
		});
		expect(d.errorsByCode).toEqual([{ code: 'engine_unreachable', count: 1, rate: 1 / 3 }]);
		expect(d.toolsByName).toEqual([{ tool: 'web_search', calls: 2, ok: 1, rate: 0.5 }]);
		expect(d.speedByModel.map((s) => [s.label, s.tokensPerSecond])).toEqual([
			['llama (ollama)', 40],
			['qwen (ollama)', 20]
		]);
		expect(d.feedbackPerDay[0]).toEqual({ day: '2025-06-01', up: 1, down: 1, score: 0.5 });
		expect(d.complaints.map((f) => f.reason)).toEqual(['Made up a source']);
		expect(d.firstTokenPerDay[1]).toEqual({ day: '2025-06-02', p50: null, p95: null });
	});

	it('filters by model and by day', () => {
		const d = dashboardData(data, feedback, {
			models: ['ollama|llama'],
			from: '2025-06-01',
			to: '2025-06-02'
		});
		expect(d.totals.answers).toBe(0);
		expect(d.totals.up).toBe(0);
		const llama = dashboardData(data, feedback, {
			models: ['ollama|llama'],
			from: '2025-06-01',
			to: '2025-06-30'
		});
		expect(llama.totals).toMatchObject({ answers: 1, up: 1 });
		expect(modelOptions(data).map((o) => o.label)).toEqual(['llama (ollama)', 'qwen (ollama)']);
	});

	it('exports CSV with spreadsheet formulas defused', () => {
		const csv = rollupsCsv(data, feedback, { models: [], from: '2025-06-01', to: '2025-06-30' });
		const lines = csv.trim().split('\r\n');
		expect(lines[0]).toMatch(/^day,engine,model,answers,errors/);
		expect(lines).toHaveLength(3);
		expect(lines[1]).toMatch(/^2025-06-01,ollama,qwen,2,1,0,/);
		expect(toCsv(['a'], [['=cmd()'], ['say "hi", ok']])).toBe(
			'a\r\n\'=cmd()\r\n"say ""hi"", ok"\r\n'
		);
	});

	it('days and ranges', () => {
		expect(daysBetween('2024-02-28', '2024-03-01')).toEqual([
			'2024-02-28',
			'2024-02-29',
			'2024-03-01'
		]);
		expect(lastDays('2025-06-07', 7)).toEqual({ from: '2025-06-01', to: '2025-06-07' });
		expect(dayOf(Date.UTC(2025, 5, 1, 23, 30), 'UTC')).toBe('2025-06-01');
		expect(dayOf(Date.UTC(2025, 5, 1, 23, 30), 'Asia/Tokyo')).toBe('2025-06-02');
	});

	it('a metric from an answer that used documents and was cut short', () => {
		const answer: Message = {
			id: 'a',
			conversationId: 'c',
			parentId: 'u',
			role: 'assistant',
			content: 'x',
			status: 'aborted',
			createdAt: 0,
			updatedAt: 0,
			toolCalls: [
				{ id: 't', name: 'search_knowledge', args: {}, status: 'cancelled', startedAt: 0 }
			]
		};
		const m = answerMetric(answer, undefined, { at: 0, id: 'r', timeZone: 'UTC' });
		expect(m).toMatchObject({
			status: 'aborted',
			engine: 'ollama',
			model: 'unknown',
			features: { knowledge: true }
		});
		expect(m.tools).toEqual([{ name: 'search_knowledge', status: 'cancelled' }]);
	});
});
