import * as v from 'valibot';
import type { GrantedFolder } from '$lib/types/agent-data';
import type { FolderAccess } from '$lib/files/access';
import {
	type EntryInfo,
	findFiles,
	fsError,
	listDir,
	readText,
	resolveDir,
	writeText
} from '$lib/files/operations';
import { joinPath, splitPath } from '$lib/files/paths';
import { localTimeZone, parseTimeText, zonedToEpoch } from '$lib/time/zones';
import { HearthError } from '$lib/types/errors';
import { formatBytes } from '$lib/utils/format-bytes';
import type { Tool, ToolResult } from '$lib/tools/types';

export interface FileToolDeps {
	access: FolderAccess;
	now(): number;
	/** For "modified after 2025-03-01": the user's zone; defaults to the browser's. */
	timeZone?: string;
}

const LIST_LIMIT = 200;

export const folderArg = v.pipe(
	v.string(),
	v.trim(),
	v.minLength(1, 'Name a shared folder (list_files without arguments lists them).'),
	v.description('The shared folder, by name (list_files without arguments lists them).')
);
export const pathArg = (what: string) =>
	v.pipe(v.string(), v.trim(), v.description(`${what}, relative to the folder: "notes/todo.md".`));

function entryLine(e: EntryInfo, now: number): string {
	if (e.kind === 'directory') return `${e.path}/`;
	const age = e.lastModified
		? `, modified ${new Date(e.lastModified).toISOString().slice(0, 16)}Z`
		: '';
	return `${e.path} (${formatBytes(e.size ?? 0)}${age})${e.lastModified && e.lastModified > now ? ' [future date]' : ''}`;
}

function folderLine(f: GrantedFolder): string {
	const what = f.kind === 'scratch' ? "Hearth's private scratch space" : 'shared by the user';
	return `"${f.name}": ${what}, ${f.writable ? 'read and write' : 'read only'}`;
}

/** Where in a folder a path points, for messages: "notes/a.md" in "Docs". */
export function place(folder: string, path: string): string {
	return path ? `"${path}" in "${folder}"` : `"${folder}"`;
}

// Names and contents come from the user's disk, not from the user: the loop treats them as data.
function result(content: string, preview: string): ToolResult {
	return { content, preview, untrusted: true };
}

function snippet(text: string): string {
	const line = text.trim().split('\n')[0] ?? '';
	return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

export function createFileTools(deps: FileToolDeps) {
	const zone = () => deps.timeZone ?? localTimeZone();

	function dateArg(text: string | undefined): number | undefined {
		if (!text) return undefined;
		const parsed = parseTimeText(text, deps.now(), zone());
		if (!parsed) {
			throw new HearthError(
				'tool_invalid_args',
				`Can't read "${text}" as a date; use "2025-03-01".`
			);
		}
		return parsed.epoch ?? zonedToEpoch(parsed.wall, zone()).epoch;
	}

	const listSchema = v.object({
		folder: v.optional(folderArg),
		path: v.optional(pathArg('A subfolder to list; leave out for the folder itself'))
	});
	const listFiles: Tool<typeof listSchema> = {
		name: 'list_files',
		title: 'List files',
		description:
			'Lists the files and subfolders in a folder the user shared with Hearth. Without a folder, lists the shared folders.',
		schema: listSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 30_000,
		describe: ({ folder, path }) =>
			folder ? `List ${place(folder, path ?? '')}` : 'List the folders shared with Hearth',
		async run({ folder, path = '' }) {
			if (!folder) {
				const folders = await deps.access.folders();
				if (folders.length === 0) {
					const none =
						'No folders are shared with Hearth yet. The user can share one in the tools section of the settings.';
					return { content: none, preview: 'No shared folders', untrusted: false };
				}
				return result(folders.map(folderLine).join('\n'), `${folders.length} shared folder(s)`);
			}
			const segments = splitPath(path, { directory: true });
			const { folder: f, root } = await deps.access.open(folder, 'read');
			try {
				const dir = await resolveDir(root, segments);
				const { entries, total } = await listDir(dir, segments, LIST_LIMIT);
				const where = place(f.name, joinPath(segments));
				if (total === 0) return result(`${where} is empty.`, 'Empty folder');
				const more = total > entries.length ? `\n(${total - entries.length} more not shown)` : '';
				const lines = entries.map((e) => entryLine(e, deps.now())).join('\n');
				return result(
					`${where} holds ${total} entries:\n${lines}${more}`,
					`${total} entries in ${where}`
				);
			} catch (e) {
				throw fsError(e, joinPath(segments), f.name);
			}
		}
	};

	const findSchema = v.object({
		folder: folderArg,
		path: v.optional(pathArg('Where to start; leave out for the whole folder')),
		name: v.optional(
			v.pipe(
				v.string(),
				v.description('Part of the file name, or a glob like "*.md" or "report-??.txt".')
			)
		),
		extension: v.optional(
			v.pipe(v.string(), v.description('Only files ending in this, like "pdf".'))
		),
		modifiedAfter: v.optional(
			v.pipe(v.string(), v.description('Only files changed on or after this date: "2025-03-01".'))
		),
		modifiedBefore: v.optional(
			v.pipe(v.string(), v.description('Only files changed before this date.'))
		),
		limit: v.optional(
			v.pipe(
				v.number(),
				v.integer(),
				v.minValue(1),
				v.maxValue(200),
				v.description('Most results (default 50).')
			)
		)
	});
	const findFilesTool: Tool<typeof findSchema> = {
		name: 'find_files',
		title: 'Find files',
		description:
			'Searches a shared folder and its subfolders for files by name, extension or modification date.',
		schema: findSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 60_000,
		describe: ({ folder, path, name, extension }) => {
			const what = [
				name && `named like "${name}"`,
				extension && `ending in .${extension.replace(/^\./, '')}`
			]
				.filter(Boolean)
				.join(' ');
			return `Search ${place(folder, path ?? '')} for files ${what}`.trim();
		},
		async run(args) {
			const segments = splitPath(args.path ?? '', { directory: true });
			const query = {
				name: args.name,
				extension: args.extension,
				modifiedAfter: dateArg(args.modifiedAfter),
				modifiedBefore: dateArg(args.modifiedBefore),
				limit: args.limit ?? 50
			};
			const { folder: f, root } = await deps.access.open(args.folder, 'read');
			try {
				const start = await resolveDir(root, segments);
				const found = await findFiles(start, segments, query);
				const where = place(f.name, joinPath(segments));
				if (found.matches.length === 0) {
					const partial = found.truncated
						? ' (the search stopped early: the folder is very large)'
						: '';
					return result(`No matching files in ${where}${partial}.`, 'No matches');
				}
				const note = found.truncated
					? '\n(More may exist: the search stopped at its limit. Narrow it with a path or a name.)'
					: '';
				const lines = found.matches.map((e) => entryLine(e, deps.now())).join('\n');
				return result(
					`${found.matches.length} file(s) in ${where}:\n${lines}${note}`,
					`${found.matches.length} match(es) in ${where}`
				);
			} catch (e) {
				throw fsError(e, joinPath(segments), f.name);
			}
		}
	};

	const readSchema = v.object({ folder: folderArg, path: pathArg('The file to read') });
	const readFile: Tool<typeof readSchema> = {
		name: 'read_file',
		title: 'Read a file',
		description: 'Reads a text file from a shared folder (up to 256 KB; not binary files).',
		schema: readSchema,
		sideEffect: false,
		network: false,
		defaultEnabled: true,
		timeoutMs: 30_000,
		describe: ({ folder, path }) => `Read ${place(folder, path)}`,
		async run({ folder, path }) {
			const segments = splitPath(path);
			const name = segments.pop();
			if (!name)
				throw new HearthError('path_rejected', 'Name the file to read, e.g. "notes/todo.md".');
			const { folder: f, root } = await deps.access.open(folder, 'read');
			try {
				const dir = await resolveDir(root, segments);
				const file = await dir.getFileHandle(name);
				const { text, size } = await readText(file, path);
				return result(text, `${path} (${formatBytes(size)})`);
			} catch (e) {
				throw fsError(e, path, f.name);
			}
		}
	};

	const writeSchema = v.object({
		folder: folderArg,
		path: pathArg('The file to write'),
		content: v.pipe(v.string(), v.description('The full new text of the file.'))
	});

	function writer(overwrite: boolean) {
		return async ({
			folder,
			path,
			content
		}: v.InferOutput<typeof writeSchema>): Promise<ToolResult> => {
			const segments = splitPath(path);
			const name = segments.pop();
			if (!name)
				throw new HearthError('path_rejected', 'Name the file to write, e.g. "notes/todo.md".');
			const { folder: f, root } = await deps.access.open(folder, 'readwrite');
			try {
				const dir = await resolveDir(root, segments, true);
				const { created, bytes } = await writeText(dir, name, content, overwrite);
				const text = `${created ? 'Created' : 'Replaced'} ${place(f.name, path)} (${formatBytes(bytes)}).`;
				// What was written is the model's own text: not untrusted.
				return { content: text, preview: text, untrusted: false };
			} catch (e) {
				throw fsError(e, path, f.name);
			}
		};
	}

	const writeFile: Tool<typeof writeSchema> = {
		name: 'write_file',
		title: 'Write a file',
		description:
			'Replaces the whole text of a file in a shared folder the user allowed changes to, creating it (and its folders) if missing.',
		schema: writeSchema,
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		timeoutMs: 30_000,
		describe: ({ folder, path, content }) =>
			`Replace ${place(folder, path)} with ${formatBytes(new TextEncoder().encode(content).length)} of text starting "${snippet(content)}" (created if missing). The old contents will be lost.`,
		run: writer(true)
	};

	const createFile: Tool<typeof writeSchema> = {
		name: 'create_file',
		title: 'Create a file',
		description:
			'Creates a new text file in a shared folder the user allowed changes to (and its folders). Never replaces an existing file.',
		schema: writeSchema,
		sideEffect: true,
		network: false,
		defaultEnabled: true,
		timeoutMs: 30_000,
		describe: ({ folder, path, content }) =>
			`Create ${place(folder, path)} with ${formatBytes(new TextEncoder().encode(content).length)} of text starting "${snippet(content)}".`,
		run: writer(false)
	};

	return [listFiles, findFilesTool, readFile, writeFile, createFile] as const;
}
