import type { ParsedSection } from '$lib/types/knowledge';

// JSON: every leaf becomes one line `a.b[3].c: value`, so a chunk read alone still says where each
// value sits. Lines are grouped by top-level key (or array element), which becomes the heading.

const IDENT = /^[A-Za-z_$][\w$]*$/;

function keyPath(base: string, key: string): string {
	if (IDENT.test(key)) return base ? `${base}.${key}` : key;
	return `${base}[${JSON.stringify(key)}]`;
}

function leaf(value: unknown): string {
	if (typeof value === 'string') return value.replace(/\r?\n/g, '\\n');
	if (Array.isArray(value)) return '[]';
	if (value !== null && typeof value === 'object') return '{}';
	return String(value);
}

function* flatten(value: unknown, path: string): Generator<string> {
	if (Array.isArray(value) && value.length > 0) {
		for (let i = 0; i < value.length; i++) yield* flatten(value[i], `${path}[${i}]`);
	} else if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
		for (const [k, v] of Object.entries(value)) yield* flatten(v, keyPath(path, k));
	} else {
		yield `${path || '(root)'}: ${leaf(value)}`;
	}
}

/** Throws SyntaxError on invalid JSON (the caller then indexes the file as plain text). */
export function parseJson(text: string): ParsedSection[] {
	const root: unknown = JSON.parse(text);
	const groups: [string, unknown][] = Array.isArray(root)
		? root.map((v, i) => [`[${i}]`, v])
		: root !== null && typeof root === 'object'
			? Object.entries(root).map(([k, v]) => [keyPath('', k), v])
			: [['', root]];
	const sections: ParsedSection[] = [];
	for (const [path, value] of groups) {
		const lines = [...flatten(value, path)];
		if (lines.length === 0) continue;
		sections.push({ text: lines.join('\n'), ...(path ? { headings: [path] } : {}) });
	}
	return sections;
}
