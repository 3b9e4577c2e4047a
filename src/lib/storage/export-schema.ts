import * as v from 'valibot';
import type { Conversation, Message } from '$lib/types/chat';
import type { Settings } from '$lib/types/settings';
import { DEFAULT_SETTINGS } from '$lib/types/settings';
import { BROWSER_ENGINE_KINDS, ENGINE_KINDS } from '$lib/types/llm';
import { Finite, SerializedErrorSchema, Timestamp } from '$lib/storage/export-values';
import { ToolCallSchema } from '$lib/storage/export-tool-calls';
import { HearthError } from '$lib/types/errors';
import { MAX_STOP_SEQUENCES, SETTING_BOUNDS, type Bound } from '$lib/types/setting-bounds';
import {
	ExportedImageSchema,
	ImageRefSchema,
	type ExportedImage
} from '$lib/storage/export-images';
import {
	ChunkSchema,
	CollectionSchema,
	DocumentSchema,
	MemorySchema,
	type KnowledgeExport
} from '$lib/storage/export-knowledge';
import { QualitySchema, type QualityExport } from '$lib/storage/export-quality';

// The export file format and its validation. Writing and merging it live in `storage/export.ts`;
// nothing here touches the database, so a wrong file is refused before any write starts.

/** A backup of everything Hearth stores. Derived search fields (`words`, `titleWords`) are left out. */
export interface HearthExport {
	format: 'hearth-export';
	version: 1;
	exportedAt: number;
	conversations: Conversation[];
	messages: Message[];
	/** Without the OpenAI-compatible API key, which never leaves the device. */
	settings?: Partial<Settings>;
	/** Long-term memories and the knowledge base's text (absent in files from before them). */
	knowledge?: KnowledgeExport;
	/** Images sent with messages, bytes as base64. */
	images?: ExportedImage[];
	/** Thumbs up / down on answers and the person's own eval sets. */
	quality?: QualityExport;
}

const Id = v.pipe(v.string(), v.minLength(1, 'Expected a non-empty id'), v.maxLength(200));
/** A number within one of the shared setting ranges. */
const within = (b: Bound) =>
	b.integer
		? v.pipe(Finite, v.integer(), v.minValue(b.min), v.maxValue(b.max))
		: v.pipe(Finite, v.minValue(b.min), v.maxValue(b.max));
/** Every face's engines: a backup from the terminal names llama.cpp in Node (`llamacpp`). */
const EngineKindSchema = v.picklist(ENGINE_KINDS);
/** Where untrusted text came from (Message.untrusted and friends): labels, not instructions. */
const Sources = v.pipe(v.array(v.pipe(v.string(), v.maxLength(1000))), v.maxLength(100));

const GenerationOptionsSchema = v.object({
	temperature: v.optional(within(SETTING_BOUNDS.temperature)),
	topP: v.optional(within(SETTING_BOUNDS.topP)),
	maxTokens: v.optional(within(SETTING_BOUNDS.maxTokens)),
	stop: v.optional(v.pipe(v.array(v.string()), v.maxLength(MAX_STOP_SEQUENCES))),
	seed: v.optional(v.pipe(Finite, v.integer()))
});

const ConversationSchema = v.object({
	id: Id,
	title: v.string(),
	createdAt: Timestamp,
	updatedAt: Timestamp,
	pinned: v.picklist([0, 1]),
	mode: v.picklist(['chat']),
	model: v.optional(v.string()),
	engine: v.optional(EngineKindSchema),
	leafId: v.nullable(Id),
	titleFinal: v.optional(v.boolean()),
	pin: v.optional(v.object({ engine: EngineKindSchema, model: v.string() })),
	options: v.optional(GenerationOptionsSchema),
	summary: v.optional(
		v.object({
			text: v.string(),
			throughId: Id,
			coversCount: v.pipe(Finite, v.integer()),
			untrusted: v.optional(Sources)
		})
	),
	agentId: v.optional(v.string())
});

const MessageSchema = v.object({
	id: Id,
	conversationId: Id,
	parentId: v.nullable(Id),
	role: v.picklist(['user', 'assistant', 'system']),
	content: v.string(),
	status: v.picklist(['streaming', 'done', 'error', 'aborted', 'interrupted']),
	createdAt: Timestamp,
	updatedAt: Timestamp,
	model: v.optional(v.string()),
	engine: v.optional(EngineKindSchema),
	usage: v.optional(
		v.object({
			promptTokens: Finite,
			completionTokens: Finite,
			cachedPromptTokens: v.optional(Finite)
		})
	),
	timings: v.optional(
		v.object({
			totalMs: Finite,
			timeToFirstTokenMs: v.optional(Finite),
			promptMs: v.optional(Finite),
			decodeTokensPerSecond: v.optional(Finite)
		})
	),
	reasoningMs: v.optional(Finite),
	context: v.optional(
		v.object({
			summarizedTurns: Finite,
			omittedTurns: v.optional(Finite, 0),
			contextWindow: Finite,
			promptTokens: Finite
		})
	),
	error: v.optional(SerializedErrorSchema),
	toolCalls: v.optional(v.array(ToolCallSchema)),
	agent: v.optional(
		v.object({
			id: v.string(),
			name: v.string(),
			chosenBy: v.picklist(['router', 'user']),
			reason: v.optional(v.string()),
			addedTools: v.optional(v.array(v.string()))
		})
	),
	revision: v.optional(v.object({ critique: v.string(), draft: v.string() })),
	review: v.optional(v.object({ calls: Finite, ms: Finite })),
	memories: v.optional(v.array(v.object({ id: v.string(), text: v.string() }))),
	images: v.optional(v.array(ImageRefSchema)),
	untrusted: v.optional(Sources)
});

// Every field optional: a file written before a setting existed gets that setting's default.
const SettingsSchema = v.object({
	ollamaUrl: v.optional(v.string()),
	model: v.optional(v.string()),
	openaiUrl: v.optional(v.string()),
	openaiModel: v.optional(v.string()),
	webModel: v.optional(v.string()),
	modelBaseUrl: v.optional(v.string()),
	modelLibBaseUrl: v.optional(v.string()),
	ggufBaseUrl: v.optional(v.string()),
	ggufDevice: v.optional(v.picklist(['auto', 'webgpu', 'cpu'])),
	ggufThreads: v.optional(within(SETTING_BOUNDS.ggufThreads)),
	ggufContextSize: v.optional(within(SETTING_BOUNDS.ggufContextSize)),
	engine: v.optional(v.picklist(['auto', ...BROWSER_ENGINE_KINDS])),
	temperature: v.optional(within(SETTING_BOUNDS.temperature)),
	topP: v.optional(within(SETTING_BOUNDS.topP)),
	maxTokens: v.optional(within(SETTING_BOUNDS.maxTokens)),
	systemPrompt: v.optional(v.string()),
	theme: v.optional(v.picklist(['system', 'light', 'dark'])),
	autoTitle: v.optional(v.boolean()),
	toolsEnabled: v.optional(v.record(v.string(), v.boolean())),
	offlineOnly: v.optional(v.boolean()),
	searchProvider: v.optional(v.picklist(['wikipedia', 'searxng'])),
	searxngUrl: v.optional(v.string()),
	wikipediaUrl: v.optional(v.string()),
	openMeteoUrl: v.optional(v.string()),
	openMeteoGeocodingUrl: v.optional(v.string()),
	allowedPrivateHosts: v.optional(v.array(v.string())),
	pythonNetwork: v.optional(v.boolean()),
	pythonTimeoutSeconds: v.optional(within(SETTING_BOUNDS.pythonTimeoutSeconds)),
	pythonPackagesUrl: v.optional(v.string()),
	maxToolSteps: v.optional(within(SETTING_BOUNDS.maxToolSteps)),
	maxToolCalls: v.optional(within(SETTING_BOUNDS.maxToolCalls)),
	agentRouting: v.optional(v.boolean()),
	reflection: v.optional(v.record(v.string(), v.boolean())),
	customAgents: v.optional(
		v.array(
			v.object({
				id: v.string(),
				name: v.string(),
				description: v.string(),
				systemPrompt: v.string(),
				examples: v.array(v.object({ user: v.string(), assistant: v.string() })),
				tools: v.array(v.string()),
				model: v.string(),
				chainOfThought: v.boolean()
			})
		)
	),
	embeddingModel: v.optional(v.string()),
	embeddingHubUrl: v.optional(v.string()),
	useMemories: v.optional(v.boolean()),
	proposeMemories: v.optional(v.boolean()),
	sttEngine: v.optional(v.picklist(['whisper', 'browser'])),
	sttModel: v.optional(v.string()),
	sttLanguage: v.optional(v.string()),
	voiceName: v.optional(v.string()),
	speechRate: v.optional(within(SETTING_BOUNDS.speechRate)),
	speechPitch: v.optional(within(SETTING_BOUNDS.speechPitch)),
	autoRead: v.optional(v.boolean()),
	sttHubUrl: v.optional(v.string()),
	imageMaxSide: v.optional(within(SETTING_BOUNDS.imageMaxSide)),
	ocrFallback: v.optional(v.boolean()),
	recordMetrics: v.optional(v.boolean())
});

const ExportSchema = v.object({
	format: v.literal('hearth-export'),
	version: v.literal(1),
	exportedAt: Timestamp,
	conversations: v.array(ConversationSchema),
	messages: v.array(MessageSchema),
	settings: v.optional(SettingsSchema),
	images: v.optional(v.array(ExportedImageSchema)),
	quality: v.optional(QualitySchema),
	knowledge: v.optional(
		v.object({
			memories: v.array(MemorySchema),
			collections: v.array(CollectionSchema),
			documents: v.array(DocumentSchema),
			chunks: v.array(ChunkSchema)
		})
	)
});

function invalid(message: string, cause?: unknown): HearthError {
	return new HearthError('import_invalid', message, { cause });
}

/** `messages[3].role` from a valibot issue path. */
function formatPath(issue: v.BaseIssue<unknown>): string {
	let out = '';
	for (const item of issue.path ?? []) {
		const key: unknown = item.key;
		if (typeof key === 'number') out += `[${key}]`;
		else out += out ? `.${String(key)}` : String(key);
	}
	return out;
}

/** The ids of `rows`; a repeat is refused, naming the list and the place. */
function uniqueIds(rows: readonly { id: string }[], list: string): Set<string> {
	const ids = new Set<string>();
	rows.forEach((row, i) => {
		if (ids.has(row.id)) {
			throw invalid(`This export is damaged: ${list}[${i}].id "${row.id}" appears twice.`);
		}
		ids.add(row.id);
	});
	return ids;
}

function isRecord(x: unknown): x is Record<string, unknown> {
	return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Parses and validates a Hearth export file. Anything that is not exactly a version-1 export
 * throws HearthError('import_invalid') naming the first problem, so a wrong file never reaches
 * the database.
 */
export function parseExport(text: string): HearthExport {
	let raw: unknown;
	try {
		// A BOM is what some editors add when a user re-saves the file; it is not a reason to refuse.
		raw = JSON.parse(text.replace(/^\uFEFF/, ''));
	} catch (e) {
		throw invalid(
			text.trim() === ''
				? 'This file is empty, so there is nothing to import.'
				: 'This file is not a Hearth export: it is not JSON text.',
			e
		);
	}
	if (!isRecord(raw)) throw invalid('This file is not a Hearth export: it holds no export object.');
	if (raw.format !== 'hearth-export') {
		throw invalid('This file is not a Hearth export (its "format" is not "hearth-export").');
	}
	if (raw.version !== 1) {
		throw invalid(
			typeof raw.version === 'number' && raw.version > 1
				? `This export was made by a newer version of Hearth (format version ${raw.version}). Update Hearth to import it.`
				: 'This export has an unknown format version, so Hearth cannot import it.'
		);
	}

	const result = v.safeParse(ExportSchema, raw, { abortEarly: true });
	if (!result.success) {
		const issue = result.issues[0];
		const where = formatPath(issue) || 'the file';
		throw invalid(`This export is damaged: ${where} is not valid (${issue.message}).`);
	}
	const parsed = result.output;

	// Every list is checked for repeated ids before anything is written: a repeat would make the
	// import fail part-way (the tables are keyed by id).
	const conversationIds = uniqueIds(parsed.conversations, 'conversations');
	uniqueIds(parsed.messages, 'messages');
	uniqueIds(parsed.images ?? [], 'images');
	if (parsed.knowledge) {
		for (const list of ['memories', 'collections', 'documents', 'chunks'] as const) {
			uniqueIds(parsed.knowledge[list], `knowledge.${list}`);
		}
	}
	parsed.messages.forEach((m, i) => {
		if (!conversationIds.has(m.conversationId)) {
			throw invalid(
				`This export is damaged: messages[${i}].conversationId points to a conversation that is not in the file.`
			);
		}
	});

	const data: HearthExport = {
		format: 'hearth-export',
		version: 1,
		exportedAt: parsed.exportedAt,
		conversations: parsed.conversations,
		messages: parsed.messages
	};
	if (parsed.settings) {
		const defined = Object.fromEntries(
			Object.entries(parsed.settings).filter(([, value]) => value !== undefined)
		);
		data.settings = { ...DEFAULT_SETTINGS, ...defined };
	}
	if (parsed.images) {
		parsed.images.forEach((image, i) => {
			if (!conversationIds.has(image.conversationId)) {
				throw invalid(
					`This export is damaged: images[${i}].conversationId points to a conversation that is not in the file.`
				);
			}
		});
		data.images = parsed.images;
	}
	if (parsed.quality) data.quality = parsed.quality as QualityExport;
	if (parsed.knowledge) {
		const documentIds = new Set(parsed.knowledge.documents.map((d) => d.id));
		parsed.knowledge.chunks.forEach((c, i) => {
			if (!documentIds.has(c.documentId)) {
				throw invalid(
					`This export is damaged: knowledge.chunks[${i}].documentId points to a document that is not in the file.`
				);
			}
		});
		data.knowledge = parsed.knowledge as KnowledgeExport;
	}
	return data;
}
