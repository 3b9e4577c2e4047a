// The tools a case may call, built for that case alone: the real tools, with the network
// answered by the eval's offline web, files in an in-memory scratch folder, memories in the
// eval's own store, documents searched from the case's own passages, and Python in the sandbox
// with its network off. Nothing a case does can touch the person's files, memories or the web.
import { EVAL_NOW } from '$lib/evals/tool-names';
import type { EvalCase, EvalDocument } from '$lib/evals/types';
import { createFolderAccess, type FolderAccess } from '$lib/files/access';
import { memoryFolder } from '$lib/files/memory-fs';
import { Bm25Index } from '$lib/knowledge/index/bm25-index';
import type { KnowledgeSearchResult } from '$lib/knowledge/pipeline/knowledge-search';
import { calculatorTool } from '$lib/tools/calculator';
import { createDateTimeTools } from '$lib/tools/datetime';
import { createFetchPageTool, fetchPageTool } from '$lib/tools/fetch-page';
import type { HtmlParser } from '$lib/net/readable';
import { createFileTools } from '$lib/tools/files';
import { createRunPythonTool, type PythonRunner } from '$lib/tools/python';
import { createSearchKnowledgeTool } from '$lib/tools/search-knowledge';
import type { AnyTool } from '$lib/tools/types';
import { weatherTool } from '$lib/tools/weather';
import { webSearchTool } from '$lib/tools/web-search';
import { HearthError } from '$lib/types/errors';

/** A folder the files tools see as the scratch space, holding the case's files. */
export async function scratchFolder(files: Record<string, string> = {}): Promise<FolderAccess> {
	const root = await memoryFolder('scratch', files, () => EVAL_NOW);
	return createFolderAccess({ list: async () => [], scratch: async () => root });
}

/** search_knowledge over the case's documents: BM25 over their passages (no embeddings). */
export function documentSearchTool(documents: readonly EvalDocument[]): AnyTool {
	const index = new Bm25Index();
	const passages = documents.flatMap((d) => d.passages.map((p) => ({ document: d, passage: p })));
	index.add(passages.map(({ passage }) => ({ id: passage.id, text: passage.text })));
	const byId = new Map(passages.map((x) => [x.passage.id, x]));
	return createSearchKnowledgeTool({
		listCollections: async () => [],
		search: async (query, options): Promise<KnowledgeSearchResult> => ({
			mode: 'lexical',
			passages: index.search(query, options.k ?? 6).flatMap((hit) => {
				const found = byId.get(hit.id);
				if (!found) return [];
				return [
					{
						chunkId: found.passage.id,
						documentId: found.document.id,
						collectionId: 'eval',
						documentName: found.document.name,
						path: found.document.name,
						text: found.passage.text,
						score: hit.score
					}
				];
			})
		})
	}) as unknown as AnyTool;
}

export interface SandboxToolsDeps {
	/** The Python sandbox; absent: run_python fails clearly when called. */
	python?: PythonRunner;
	/** remember / forget / recall_conversations over the workspace's own store. */
	memoryTools?: readonly AnyTool[];
	/** How fetch_page parses HTML where there is no DOMParser (Node: jsdom or linkedom). */
	parseHtml?: HtmlParser;
}

const noPython: PythonRunner = {
	run: async () => {
		throw new HearthError('python_start_failed', 'No Python sandbox is available to this eval.');
	}
};

/** The tools the case lists, each a real tool wired to the case's sandbox. */
export async function sandboxTools(kase: EvalCase, deps: SandboxToolsDeps): Promise<AnyTool[]> {
	const wanted = new Set(kase.tools ?? []);
	if (wanted.size === 0) return [];
	const all: AnyTool[] = [
		calculatorTool as unknown as AnyTool,
		...(createDateTimeTools({ now: () => EVAL_NOW, timeZone: 'UTC' }) as unknown as AnyTool[]),
		webSearchTool as unknown as AnyTool,
		(deps.parseHtml
			? createFetchPageTool({ parseHtml: deps.parseHtml })
			: fetchPageTool) as unknown as AnyTool,
		weatherTool as unknown as AnyTool,
		...(createFileTools({
			access: await scratchFolder(kase.files),
			now: () => EVAL_NOW,
			timeZone: 'UTC'
		}) as unknown as AnyTool[]),
		createRunPythonTool(deps.python ?? noPython, () => false) as unknown as AnyTool,
		documentSearchTool(kase.documents ?? []),
		...(deps.memoryTools ?? [])
	];
	return all.filter((t) => wanted.has(t.name));
}
