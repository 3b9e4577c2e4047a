// search_knowledge: the model looks things up in the user's own documents. Passages come back
// numbered [1], [2]… with their document and place, as untrusted text (a document can say
// anything), and each is a source linking to the passage viewer (hearth-doc:<doc>#chunk=<chunk>).
import * as v from 'valibot';
import { HearthError } from '$lib/types/errors';
import type { Collection } from '$lib/types/knowledge';
import type {
	KnowledgeSearchResult,
	Passage,
	KnowledgeQuery
} from '$lib/knowledge/pipeline/knowledge-search';
import type { Tool, ToolSource } from '$lib/tools/types';

export interface SearchKnowledgeDeps {
	search(query: string, options: KnowledgeQuery): Promise<KnowledgeSearchResult>;
	listCollections(): Promise<Collection[]>;
	/** Passages per call. */
	k?: number;
}

/** The link the passage viewer opens. */
export function passageUrl(documentId: string, chunkId: string): string {
	return `hearth-doc:${encodeURIComponent(documentId)}#chunk=${encodeURIComponent(chunkId)}`;
}

/** "Budget › Q3, lines 10-24", "page 3", "class Repo › connect, line 7". */
export function passageLocation(p: Passage): string {
	const parts: string[] = [];
	if (p.symbol) parts.push(p.symbol);
	else if (p.headings?.length) parts.push(p.headings.join(' › '));
	if (p.page !== undefined) parts.push(`page ${p.page}`);
	if (p.startLine !== undefined) {
		parts.push(
			p.endLine !== undefined && p.endLine !== p.startLine
				? `lines ${p.startLine}-${p.endLine}`
				: `line ${p.startLine}`
		);
	}
	return parts.join(', ');
}

function title(p: Passage): string {
	if (p.citation) return p.citation;
	const where = passageLocation(p);
	const name =
		p.path && p.path !== p.documentName && !p.path.startsWith('paste:') ? p.path : p.documentName;
	return where ? `${name} — ${where}` : name;
}

const schema = v.object({
	query: v.pipe(
		v.string(),
		v.trim(),
		v.minLength(1, 'Say what to look for.'),
		v.maxLength(500, 'Keep the query under 500 characters.'),
		v.description('What to look for, in words likely to appear in the documents.')
	),
	collection: v.optional(
		v.pipe(
			v.string(),
			v.trim(),
			v.description('Only search this collection (its name). Leave out to search everything.')
		)
	)
});

export function createSearchKnowledgeTool(deps: SearchKnowledgeDeps): Tool<typeof schema> {
	return {
		name: 'search_knowledge',
		title: 'Search my documents',
		description:
			"Searches the user's own documents, notes and code that they added to Hearth's knowledge base. Use it for questions about their files; cite passages as [1], [2].",
		schema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 30_000,
		describe({ query, collection }) {
			return collection
				? `Search the "${collection}" collection for "${query}".`
				: `Search your documents for "${query}".`;
		},
		async run({ query, collection }, ctx) {
			let collections: string[] | undefined;
			if (collection) {
				const all = await deps.listCollections();
				const wanted = collection.toLowerCase();
				const match = all.find((c) => c.name.toLowerCase() === wanted || c.id === collection);
				if (!match) {
					const names = all.map((c) => `"${c.name}"`).join(', ');
					throw new HearthError(
						'tool_invalid_args',
						all.length
							? `There is no collection called "${collection}". The collections are: ${names}.`
							: 'The knowledge base has no collections yet: the user has not added any documents.'
					);
				}
				collections = [match.id];
			}
			const result = await deps.search(query, {
				k: deps.k ?? 6,
				collections,
				mode: 'hybrid',
				signal: ctx.signal
			});
			const note = result.fallback ? `Note: ${result.fallback}\n\n` : '';
			if (result.passages.length === 0) {
				return {
					content: `${note}No passages in the user's documents match "${query}".`,
					preview: 'No matching passages.',
					untrusted: true,
					sources: []
				};
			}
			const blocks = result.passages.map((p, i) => `[${i + 1}] ${title(p)}\n${p.text.trim()}`);
			const sources: ToolSource[] = result.passages.map((p) => ({
				title: title(p),
				url: passageUrl(p.documentId, p.chunkId)
			}));
			const documents = new Set(result.passages.map((p) => p.documentId)).size;
			const n = result.passages.length;
			return {
				content: `${note}Passages from the user's documents for "${query}". Cite them as [1], [2]…\n\n${blocks.join('\n\n')}`,
				preview: `${n} passage${n === 1 ? '' : 's'} from ${documents} document${documents === 1 ? '' : 's'}${result.mode === 'lexical' && result.fallback ? ' (keyword search)' : ''}.`,
				untrusted: true,
				sources
			};
		}
	};
}
