// Golden cases answered from the model's own knowledge: arithmetic, facts, reasoning and speed.
// Prompts ask for a bare answer so deterministic graders can read it.
import type { EvalCase } from '$lib/evals/types';

const ask = (text: string) => [{ text }];

const arithmetic = (id: string, question: string, expected: number): EvalCase => ({
	id: `arith-${id}`,
	category: 'arithmetic',
	agent: 'chat',
	turns: ask(`${question} Reply with just the number.`),
	graders: [{ kind: 'numeric', expected }]
});

export const ARITHMETIC_CASES: EvalCase[] = [
	// The roadmap's own first case.
	{
		id: 'arith-2plus2',
		category: 'arithmetic',
		agent: 'chat',
		turns: ask("What's 2+2?"),
		graders: [{ kind: 'numeric', expected: 4 }],
		note: 'The roadmap: "What\'s 2+2?" → "4".'
	},
	arithmetic('17x23', 'What is 17 times 23?', 391),
	arithmetic('144div12', 'What is 144 divided by 12?', 12),
	arithmetic('percent', 'What is 15% of 80?', 12),
	arithmetic('pow', 'What is 2 to the power of 10?', 1024),
	arithmetic('subtract', 'What is 1000 minus 357?', 643),
	arithmetic('sqrt', 'What is the square root of 81?', 9),
	arithmetic('decimal', 'What is 3.5 multiplied by 4?', 14),
	arithmetic('brackets', 'What is (12 + 8) × 3?', 60),
	arithmetic('negative', 'What is 7 minus 15?', -8)
];

const fact = (id: string, question: string, graders: EvalCase['graders']): EvalCase => ({
	id: `fact-${id}`,
	category: 'facts',
	agent: 'chat',
	turns: ask(question),
	graders
});

export const FACT_CASES: EvalCase[] = [
	fact('capital-france', 'What is the capital of France? Answer with one word.', [
		{ kind: 'exact', expected: 'Paris' }
	]),
	fact('gold-symbol', 'What is the chemical symbol for gold? Answer with the symbol only.', [
		{ kind: 'exact', expected: 'Au' }
	]),
	fact('planets', 'How many planets are in our solar system? Reply with just the number.', [
		{ kind: 'numeric', expected: 8 }
	]),
	fact('largest-ocean', 'Which is the largest ocean on Earth? Answer in a few words.', [
		{ kind: 'contains', expected: ['Pacific'] }
	]),
	fact('hamlet', 'Who wrote the play Hamlet? Answer with the name only.', [
		{ kind: 'regex', pattern: '\\bShakespeare\\b' }
	]),
	fact(
		'boiling',
		'At what temperature in degrees Celsius does water boil at sea level? Reply with just the number.',
		[{ kind: 'numeric', expected: 100 }]
	),
	fact('leap-year', 'How many days are there in a leap year? Reply with just the number.', [
		{ kind: 'numeric', expected: 366 }
	]),
	fact('hydrogen', 'Which chemical element has atomic number 1? Answer with one word.', [
		{ kind: 'exact', expected: 'Hydrogen' }
	]),
	fact('continents', 'How many continents are there? Reply with just the number.', [
		{ kind: 'numeric', expected: 7 }
	]),
	fact('red-planet', 'Which planet is known as the Red Planet? Answer with one word.', [
		{ kind: 'exact', expected: 'Mars' }
	])
];

const reasoning = (id: string, question: string, graders: EvalCase['graders']): EvalCase => ({
	id: `reason-${id}`,
	category: 'reasoning',
	agent: 'chat',
	turns: ask(question),
	graders
});

export const REASONING_CASES: EvalCase[] = [
	reasoning(
		'youngest',
		'Alice is older than Bob, and Bob is older than Carol. Who is the youngest? Answer with the name only.',
		[{ kind: 'exact', expected: 'Carol' }]
	),
	reasoning(
		'bat-ball',
		'A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. How much does the ball cost, in dollars? Reply with just the number.',
		[{ kind: 'numeric', expected: 0.05, tolerance: 0.001 }]
	),
	reasoning('sequence', 'What number comes next: 2, 4, 8, 16, …? Reply with just the number.', [
		{ kind: 'numeric', expected: 32 }
	]),
	reasoning('weeks', 'How many days are there in 3 weeks? Reply with just the number.', [
		{ kind: 'numeric', expected: 21 }
	]),
	reasoning(
		'apples',
		'Tom has 3 apples. He eats 1 and then buys 5 more. How many apples does he have now? Reply with just the number.',
		[{ kind: 'numeric', expected: 7 }]
	),
	reasoning(
		'odd-one-out',
		'Which is the odd one out: apple, banana, carrot, cherry? Answer with one word.',
		[{ kind: 'exact', expected: 'carrot' }]
	),
	reasoning(
		'json',
		'Reply with only a JSON object with the keys "name" and "age" for Ada, who is 36 years old.',
		[
			{ kind: 'json-path', path: '$.age', expected: 36 },
			{ kind: 'json-path', path: '$.name', expected: 'Ada' }
		]
	),
	reasoning(
		'clock',
		'A meeting starts at 10:45 and lasts 50 minutes. At what time does it end? Answer as HH:MM.',
		[{ kind: 'regex', pattern: '\\b11:35\\b' }]
	)
];

export const SPEED_CASES: EvalCase[] = [
	{
		id: 'speed-hello',
		category: 'speed',
		agent: 'chat',
		turns: ask('Say hello in one short sentence.'),
		// The roadmap's goal: a response starts in under a second.
		graders: [
			{ kind: 'regex', pattern: '\\b(hello|hi|hey)\\b' },
			{ kind: 'latency', maxFirstTokenMs: 1000 }
		]
	},
	{
		id: 'speed-ok',
		category: 'speed',
		agent: 'chat',
		turns: ask('Reply with the single word OK.'),
		graders: [
			{ kind: 'exact', expected: 'OK' },
			{ kind: 'latency', maxFirstTokenMs: 1000, maxTotalMs: 3000 }
		]
	},
	{
		id: 'speed-list',
		category: 'speed',
		agent: 'chat',
		turns: ask('List three primary colours, separated by commas.'),
		graders: [
			{ kind: 'contains', expected: ['red', 'blue'] },
			{ kind: 'latency', maxFirstTokenMs: 1000, maxTotalMs: 5000 }
		]
	},
	{
		id: 'speed-tool',
		category: 'speed',
		agent: 'chat',
		tools: ['calculator'],
		turns: ask('Use the calculator to work out 48 * 12, then give the result.'),
		graders: [
			{ kind: 'numeric', expected: 576 },
			{ kind: 'latency', maxTotalMs: 10000 }
		]
	}
];
