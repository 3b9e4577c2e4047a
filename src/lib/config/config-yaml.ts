import * as v from 'valibot';
import { Document, isMap, isNode, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { ConfigSchema } from '$lib/config/config-schema';
import type { HearthConfig } from '$lib/config/config-schema';
import { completeConfig, defaultConfig } from '$lib/config/config-settings';

/** One thing wrong with a config file, where it is (1-based), and what a person should fix. */
export interface ConfigProblem {
	line: number;
	column: number;
	/** Dotted key path, e.g. "ai.temperature"; '' for a syntax error. */
	path: string;
	message: string;
}

export type ConfigParse =
	{ ok: true; config: HearthConfig } | { ok: false; problems: ConfigProblem[] };

/** "config.yaml:7:3: ai.temperature must be between 0 and 2", one line per problem. */
export function formatProblems(fileName: string, problems: readonly ConfigProblem[]): string {
	return problems
		.map((p) => `${fileName}:${p.line}:${p.column}: ${p.path ? `${p.path} ` : ''}${p.message}`)
		.join('\n');
}

function pathOf(issue: v.BaseIssue<unknown>): (string | number)[] {
	return (issue.path ?? []).map((item) => item.key as string | number);
}

/**
 * Parses config.yaml text: YAML syntax, then the schema, each problem with its line and column.
 * An empty file is the defaults. Missing keys take `defaults`.
 */
export function parseConfigYaml(text: string, defaults = defaultConfig()): ConfigParse {
	const lines = new LineCounter();
	const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
	const at = (offset: number) => {
		const { line, col } = lines.linePos(offset);
		return { line, column: col };
	};
	if (doc.errors.length > 0) {
		return {
			ok: false,
			problems: doc.errors.map((e) => ({
				...at(e.pos[0]),
				path: '',
				message: e.message.split('\n')[0] ?? e.message
			}))
		};
	}
	const raw: unknown = doc.toJS() ?? {};
	if (typeof raw !== 'object' || Array.isArray(raw)) {
		const start = isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : 0;
		const message = 'The file must be a mapping of sections (ai:, features:, memory:, …)';
		return { ok: false, problems: [{ ...at(start), path: '', message }] };
	}
	const result = v.safeParse(ConfigSchema, raw, { abortPipeEarly: true });
	if (result.success) return { ok: true, config: completeConfig(result.output, defaults) };
	return {
		ok: false,
		problems: result.issues
			.map((issue) => problemAt(doc, issue, at))
			.sort((a, b) => a.line - b.line || a.column - b.column)
	};
}

function problemAt(
	doc: Document,
	issue: v.BaseIssue<unknown>,
	at: (offset: number) => { line: number; column: number }
): ConfigProblem {
	const path = pathOf(issue);
	const dotted = path.join('.');
	// An unknown key points at the key itself; any other problem at the value.
	const unknownKey = issue.expected === 'never' && issue.kind === 'schema';
	const node = unknownKey ? keyNode(doc, path) : valueNode(doc, path);
	const position = node?.range ? at(node.range[0]) : { line: 1, column: 1 };
	const message = unknownKey
		? 'is not a setting Hearth knows (check its spelling and section)'
		: issue.message;
	return { ...position, path: dotted, message };
}

/** The deepest node on `path` that exists (a missing key points at its parent section). */
function valueNode(doc: Document, path: (string | number)[]): YamlNode | undefined {
	for (let depth = path.length; depth >= 0; depth--) {
		const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
		if (isNode(node)) return node;
	}
	return undefined;
}

function keyNode(doc: Document, path: (string | number)[]): YamlNode | undefined {
	const parent = path.length <= 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
	if (isMap(parent)) {
		const pair = parent.items.find((item) => isNode(item.key) && item.key.toJSON() === path.at(-1));
		if (pair && isNode(pair.key)) return pair.key;
	}
	return valueNode(doc, path);
}

const HEADER = `# Hearth configuration (README.md, "Terminal and API").
# Every key is optional; a missing one takes its default. Environment variables win over this
# file: OLLAMA_HOST, OPENAI_BASE_URL, OPENAI_API_KEY.
`;

/** Comments written above each section, so a generated file explains itself. */
const SECTION_COMMENTS: Record<keyof HearthConfig, string> = {
	ai: ' engine: auto | llamacpp | ollama | openai; model: a model name or a .gguf file',
	engines: ' Where each engine is; llamacpp.threads: auto picks from the core count',
	voice: ' Speech in and out (the web app; the terminal reads none of it yet)',
	features: ' Which tools the assistant may use; side-effect tools still ask before each run',
	memory: ' save_history: keep conversations; max_history: most kept (0 = no limit)',
	knowledge:
		" embedding_model: a catalog id ('' = the default); models_dir: where the terminal finds\n" +
		' embedding models in the hub layout (<dir>/Xenova/gte-small/onnx/…); never downloaded',
	files: ' Folders the file tools may use (~ is your home folder)',
	commands:
		' run_command: commands listed here run without asking, matched on their exact argv\n' +
		' (or an argv prefix with prefix: true), never on a shell string. Example:\n' +
		'   allow: [{ argv: [npm, test] }, { argv: [git, status], prefix: true }]',
	server: ' hearth serve: loopback only unless allow_remote; a token is always required'
};

/** The config as YAML with a comment per section (the web app's export, a first config file). */
export function stringifyConfigYaml(config: HearthConfig): string {
	const doc = new Document(config);
	if (isMap(doc.contents)) {
		for (const pair of doc.contents.items) {
			const key = isNode(pair.key) ? pair.key : undefined;
			const name = key?.toJSON() as keyof HearthConfig | undefined;
			if (key && name && name in SECTION_COMMENTS) key.commentBefore = SECTION_COMMENTS[name];
		}
	}
	return HEADER + doc.toString({ lineWidth: 100 });
}
