// Golden cases for answering from a given document with a citation to the right passage, and for
// memory: remember in one conversation, recall in a new one (all in the eval's own store).
import type { EvalCase, EvalDocument } from '$lib/evals/types';

const GARDEN_CLUB: EvalDocument = {
	id: 'doc-garden-club',
	name: 'Garden club handbook.md',
	passages: [
		{
			id: 'gc-meetings',
			text: 'Meetings are held on the first Tuesday of each month at 7 pm in the library annex.'
		},
		{
			id: 'gc-fees',
			text: 'Annual membership costs 24 pounds, payable each March to the treasurer.'
		},
		{
			id: 'gc-swap',
			text: 'The seed swap takes place every April in the community hall on Mill Lane.'
		},
		{ id: 'gc-tools', text: 'Members may borrow the club tools for up to one week at a time.' }
	]
};

const OFFICE: EvalDocument = {
	id: 'doc-office',
	name: 'Office guide.pdf',
	passages: [
		{
			id: 'office-wifi',
			text: 'The guest Wi-Fi network is called Hearth-Guest; its password changes every Monday.'
		},
		{
			id: 'office-printer',
			text: 'The colour printer on floor 2 is named Kestrel and prints double-sided by default.'
		},
		{
			id: 'office-support',
			text: 'IT support can be reached on extension 4417 between 8 am and 6 pm.'
		},
		{
			id: 'office-kitchen',
			text: 'The kitchen is cleaned every Friday afternoon; label your food.'
		}
	]
};

const LUMEN: EvalDocument = {
	id: 'doc-lumen',
	name: 'Project Lumen notes.txt',
	passages: [
		{ id: 'lumen-launch', text: "Project Lumen's public launch is planned for 14 October." },
		{
			id: 'lumen-lead',
			text: 'The project lead is Priya Natarajan; design reviews go through her.'
		},
		{ id: 'lumen-budget', text: 'The approved budget is 180,000 euros, including contingency.' }
	]
};

const knowledge = (
	id: string,
	question: string,
	document: EvalDocument,
	passage: string,
	answer: string
): EvalCase => ({
	id: `knowledge-${id}`,
	category: 'knowledge',
	agent: 'research',
	tools: ['search_knowledge'],
	documents: [document],
	turns: [{ text: `${question} Use my documents and cite the passage.` }],
	graders: [
		{ kind: 'tool-call', tool: 'search_knowledge', args: { query: { present: true } } },
		{ kind: 'regex', pattern: answer },
		{ kind: 'citation', passage }
	]
});

export const KNOWLEDGE_CASES: EvalCase[] = [
	knowledge(
		'meetings',
		'When does the garden club meet?',
		GARDEN_CLUB,
		'gc-meetings',
		'first tuesday'
	),
	knowledge('fees', 'How much is the garden club membership?', GARDEN_CLUB, 'gc-fees', '\\b24\\b'),
	knowledge('printer', 'What is the floor 2 printer called?', OFFICE, 'office-printer', 'kestrel'),
	knowledge('support', 'Which extension reaches IT support?', OFFICE, 'office-support', '4417'),
	knowledge(
		'launch',
		'When does Project Lumen launch?',
		LUMEN,
		'lumen-launch',
		'14(th)? october|october 14'
	),
	knowledge('lead', 'Who leads Project Lumen?', LUMEN, 'lumen-lead', 'priya')
];

const memory = (
	id: string,
	fact: string,
	keyword: string,
	question: string,
	answer: string
): EvalCase => ({
	id: `memory-${id}`,
	category: 'memory',
	agent: 'chat',
	tools: ['remember', 'forget'],
	turns: [{ text: `Please remember that ${fact}.` }, { text: question, newConversation: true }],
	graders: [
		{ kind: 'tool-call', tool: 'remember', args: { text: { contains: keyword } }, turn: 0 },
		{ kind: 'regex', pattern: answer }
	]
});

export const MEMORY_CASES: EvalCase[] = [
	memory('colour', 'my favourite colour is teal', 'teal', 'What is my favourite colour?', 'teal'),
	memory('sister', "my sister's name is Ada", 'Ada', "What is my sister's name?", '\\bAda\\b'),
	memory(
		'allergy',
		'I am allergic to peanuts',
		'peanut',
		'Suggest a snack for me, keeping my allergy in mind.',
		'peanut'
	),
	memory('dog', 'my dog is called Biscuit', 'Biscuit', "What is my dog's name?", 'biscuit'),
	memory(
		'job',
		'I work as a marine biologist',
		'marine',
		'What do I do for a living?',
		'marine biolog'
	)
];
