import type { ParsedSection } from '$lib/types/knowledge';
import { CodeSectioner } from './code-sectioner';
import {
	bracePatterns,
	matchDeclaration,
	PYTHON_DECL,
	RUBY_DECL,
	type Declaration
} from './code-patterns';
import type { CodeFamily } from './formats';
import type { Line } from './lines';

// Source code: one section per top-level function or class, and per method inside a class (or
// impl, namespace…), each labelled with its symbol path ("class Repo › connect"). Brace languages
// are followed by brace depth, Python and Ruby by indentation: careful heuristics, not a parser,
// so a strange line costs at worst a less tidy cut, never lost text.

/** Blanks strings and comments so braces and keywords inside them do not count. */
function codeStripper(language: string): (line: string) => string {
	let inBlock = false;
	const hashComments = language === 'shell';
	return (line) => {
		let out = '';
		let i = 0;
		while (i < line.length) {
			if (inBlock) {
				const end = line.indexOf('*/', i);
				if (end < 0) return out;
				inBlock = false;
				i = end + 2;
				continue;
			}
			const c = line[i] as string;
			const next = line[i + 1];
			if (!hashComments && c === '/' && next === '*') {
				inBlock = true;
				i += 2;
			} else if (!hashComments && c === '/' && next === '/') {
				break;
			} else if (hashComments && c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
				break;
			} else if (c === '"' || c === '`' || (c === "'" && language !== 'rust')) {
				let j = i + 1;
				while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1;
				out += c + c;
				i = j + 1;
			} else if (c === "'" && /^'(?:\\.|[^'\\])'/.test(line.slice(i, i + 4))) {
				// Rust: a char literal; a lone ' is a lifetime and stays.
				out += "''";
				i = line.indexOf("'", i + 2) + 1;
			} else {
				out += c;
				i++;
			}
		}
		return out;
	};
}

function count(text: string, ch: string): number {
	let n = 0;
	for (const c of text) if (c === ch) n++;
	return n;
}

/** Only closing brackets and separators: stays with the section it closes. */
const CLOSING = /^[\s})\];,]*$/;
const ANNOTATION = /^\s*@[\w.]+(?:\(.*\))?\s*$/;

async function* parseBrace(
	lines: AsyncIterable<Line>,
	language: string
): AsyncGenerator<ParsedSection> {
	const { top, member } = bracePatterns(language);
	const strip = codeStripper(language);
	const s = new CodeSectioner();
	let depth = 0;
	// `entered` once the body's brace has opened; a container whose body does not open on its
	// own line or the next (a forward declaration, a Kotlin class without a body) is dropped.
	const containers: { name: string; depth: number; entered: boolean }[] = [];
	// The declaration whose section is being filled: its depth, and whether its body has opened.
	let open: { depth: number; entered: boolean } | null = null;
	let midLine = false;
	for await (const line of lines) {
		if (midLine) {
			midLine = line.partial;
			yield* s.add(line);
			continue;
		}
		midLine = line.partial;
		const code = strip(line.text);
		if (code.trim() === '' || ANNOTATION.test(code)) {
			yield* s.pend(line);
			continue;
		}
		const awaiting = containers.at(-1);
		if (awaiting && !awaiting.entered && !/^\s*\{/.test(code)) containers.pop();
		while (containers.length > 0) {
			const last = containers.at(-1) as { depth: number; entered: boolean };
			if (!last.entered || last.depth <= depth) break;
			containers.pop();
		}
		const path = containers.map((c) => c.name);
		const eligible = depth === 0 || containers.at(-1)?.depth === depth;
		const decl: Declaration | null =
			eligible && !CLOSING.test(code) ? matchDeclaration(code, depth === 0 ? top : member) : null;
		if (decl) {
			yield* s.start(line, [...path, decl.name].join(' › '));
			open = { depth, entered: false };
			if (decl.container) containers.push({ name: decl.name, depth: depth + 1, entered: false });
		} else if (open?.entered && depth <= open.depth && !CLOSING.test(code)) {
			// Code after a function or class ended: a section of its own, under the enclosing symbol.
			yield* s.start(line, path.length > 0 ? path.join(' › ') : undefined);
			open = null;
		} else {
			yield* s.add(line);
		}
		depth = Math.max(0, depth + count(code, '{') - count(code, '}'));
		const inner = containers.at(-1);
		if (inner && depth >= inner.depth) inner.entered = true;
		if (open && depth > open.depth) open.entered = true;
	}
	yield* s.finish();
}

function indentWidth(text: string): number {
	let w = 0;
	for (const c of text) {
		if (c === ' ') w++;
		else if (c === '\t') w += 4;
		else break;
	}
	return w;
}

/** Lines that continue a block although they are not indented deeper. */
const PY_CONTINUE = /^(?:[)\]}]|else\b|elif\b|except\b|finally\b)/;
const RB_CONTINUE = /^(?:[)\]}]|end\b|else\b|elsif\b|when\b|rescue\b|ensure\b|in\b)/;

async function* parseIndented(
	lines: AsyncIterable<Line>,
	family: 'python' | 'ruby'
): AsyncGenerator<ParsedSection> {
	const declRe = family === 'python' ? PYTHON_DECL : RUBY_DECL;
	const continues = family === 'python' ? PY_CONTINUE : RB_CONTINUE;
	const s = new CodeSectioner();
	const frames: { indent: number; label: string; container: boolean }[] = [];
	// How many frames the current section sits under; fewer means its declaration has ended.
	let sectionFrames = 0;
	let triple: '"""' | "'''" | null = null;
	let midLine = false;
	for await (const line of lines) {
		if (midLine || triple) {
			midLine = line.partial;
			yield* s.add(line);
			if (triple && (line.text.split(triple).length - 1) % 2 === 1) triple = null;
			continue;
		}
		midLine = line.partial;
		const trimmed = line.text.trim();
		if (
			trimmed === '' ||
			trimmed.startsWith('#') ||
			(family === 'python' && trimmed.startsWith('@'))
		) {
			yield* s.pend(line);
			continue;
		}
		const indent = indentWidth(line.text);
		const continuation = continues.test(trimmed);
		if (!continuation) {
			while (frames.length > 0 && (frames.at(-1) as { indent: number }).indent >= indent) {
				frames.pop();
			}
		}
		const m = continuation ? null : declRe.exec(line.text);
		const parent = frames.at(-1);
		if (m && (!parent || parent.container)) {
			const kind = m[2] as string;
			const container = kind !== 'def';
			const label = container ? `${kind} ${m[3]}` : (m[3] as string);
			yield* s.start(line, [...frames.map((f) => f.label), label].join(' › '));
			frames.push({ indent, label, container });
			sectionFrames = frames.length;
		} else if (frames.length < sectionFrames) {
			const path = frames.map((f) => f.label);
			yield* s.start(line, path.length > 0 ? path.join(' › ') : undefined);
			sectionFrames = frames.length;
		} else {
			yield* s.add(line);
		}
		if (family === 'python') {
			for (const q of ['"""', "'''"] as const) {
				if ((line.text.split(q).length - 1) % 2 === 1) {
					triple = q;
					break;
				}
			}
		}
	}
	yield* s.finish();
}

export function parseCode(
	lines: AsyncIterable<Line>,
	language: string,
	family: CodeFamily
): AsyncGenerator<ParsedSection> {
	return family === 'python' || family === 'ruby'
		? parseIndented(lines, family)
		: parseBrace(lines, language);
}
