// Declaration patterns per language, tried on a line whose strings and comments are blanked.
// They only need to find where functions and classes begin, not to parse the language.

export interface Declaration {
	name: string;
	/** Its body holds further declarations worth their own sections (class, impl, namespace). */
	container: boolean;
}

type Pattern = [RegExp, (m: RegExpExecArray) => Declaration | null];

const named =
	(container: boolean, group = 1, prefix = '') =>
	(m: RegExpExecArray): Declaration | null => {
		const name = m[group];
		return name ? { name: prefix + name, container } : null;
	};

const kindNamed = (kindGroup: number, nameGroup: number, containers: readonly string[]) => {
	return (m: RegExpExecArray): Declaration | null => {
		const kind = m[kindGroup];
		const name = m[nameGroup];
		if (!kind || !name) return null;
		const container = containers.includes(kind);
		return { name: container ? `${kind} ${name}` : name, container };
	};
};

/** Words that look like a call or declaration at the start of a line but are not one. */
const NOT_NAMES = new Set([
	'if',
	'for',
	'foreach',
	'while',
	'switch',
	'catch',
	'return',
	'function',
	'new',
	'else',
	'do',
	'try',
	'throw',
	'await',
	'typeof',
	'sizeof',
	'super',
	'this',
	'using',
	'lock',
	'when',
	'match',
	'guard',
	'defer',
	'elif',
	'with',
	'case',
	'echo',
	'print',
	'delete',
	'assert'
]);

const method =
	(group = 1) =>
	(m: RegExpExecArray): Declaration | null => {
		const name = m[group];
		return name && !NOT_NAMES.has(name) ? { name, container: false } : null;
	};

const CONTAINER_KINDS = [
	'class',
	'interface',
	'namespace',
	'module',
	'impl',
	'trait',
	'object',
	'struct',
	'protocol',
	'extension',
	'record',
	'enum'
] as const;

const JS: Pattern[] = [
	[
		/^\s*(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(class|interface|namespace|module|enum)\s+([\w$.]+)/,
		kindNamed(1, 2, ['class', 'namespace', 'module'])
	],
	[/^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)/, named(false)],
	[
		/^\s*(?:export\s+)?(?:const|let|var)\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\(|[\w$]+\s*=>|<)/,
		named(false)
	],
	[/^\s*(?:export\s+)?(?:declare\s+)?type\s+([\w$]+)/, named(false)]
];
const JS_MEMBER: Pattern[] = [
	[
		/^\s*(?:(?:public|private|protected|static|readonly|async|override|abstract|declare|get|set)\s+)*\*?\s*(#?[\w$]+)\s*(?:<[^>]*>)?\s*\(/,
		method()
	],
	[
		/^\s*(?:(?:public|private|protected|static|readonly|override)\s+)*(#?[\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[\w$]+\s*=>)/,
		method()
	]
];

const GO: Pattern[] = [
	[
		/^func\s+\(\s*\w*\s*\*?\s*(\w+)[^)]*\)\s*(\w+)/,
		(m) => (m[1] && m[2] ? { name: `${m[1]}.${m[2]}`, container: false } : null)
	],
	[/^func\s+(\w+)/, named(false)],
	[/^type\s+(\w+)/, named(false)]
];

const RUST: Pattern[] = [
	[
		/^\s*(?:pub(?:\([^)]*\))?\s+)?(?:default\s+)?(?:async\s+)?(?:const\s+)?(?:unsafe\s+)?(?:extern\s+""\s+)?fn\s+(\w+)/,
		named(false)
	],
	[
		/^\s*(?:pub(?:\([^)]*\))?\s+)?(?:unsafe\s+)?(struct|enum|union|trait|mod|type|macro_rules!)\s*(\w+)/,
		kindNamed(1, 2, ['trait', 'mod'])
	],
	[
		/^\s*(?:unsafe\s+)?impl\b(?:\s*<[^{]*?>)?\s+(?:[\w:<>, &']+\s+for\s+)?([\w:]+)/,
		named(true, 1, 'impl ')
	]
];

/** Java, C#, Kotlin, Swift, Scala, Dart, C, C++, PHP: modifiers, a kind keyword, a name. */
const C_LIKE: Pattern[] = [
	[
		/^\s*(?:(?:[\w@]+|\[[^\]]*\])\s+)*?(class|interface|struct|enum|record|object|trait|protocol|extension|namespace)\s+([\w.:]+)/,
		kindNamed(1, 2, CONTAINER_KINDS)
	],
	[/\bfun\s+(?:<[^>]*>\s*)?(?:[\w.]+\.)?(\w+)\s*[(<]/, named(false)],
	[/\bfunc\s+(\w+)/, named(false)],
	[/^\s*(?:(?:override|private|protected|final|implicit)\s+)*def\s+(\w+)/, named(false)],
	[/\bfunction\s+&?(\w+)\s*\(/, method()],
	// A C-style function or method head: type words, then name( … with no ';' after it.
	[/^\s*(?:[\w:<>,[\]*&~?]+\s+)+[*&]*(~?[\w:]+)\s*\([^;]*$/, method()],
	// A constructor, or a function whose head is only its name (K&R style, Dart).
	[/^\s*(~?[A-Za-z_]\w*)\s*\([^;]*\)\s*(?:const\s*)?(?::[^;]*)?\{?\s*$/, method()]
];

const CSS: Pattern[] = [[/^\s*([^\s{};/@][^{};]*?)\s*\{/, named(false)]];

const SHELL: Pattern[] = [
	[/^\s*function\s+([\w.:-]+)/, named(false)],
	[/^\s*([\w.:-]+)\s*\(\s*\)/, named(false)]
];

const BY_LANGUAGE: Record<string, { top: Pattern[]; member: Pattern[] }> = {
	javascript: { top: JS, member: JS_MEMBER },
	typescript: { top: JS, member: JS_MEMBER },
	svelte: { top: JS, member: JS_MEMBER },
	vue: { top: JS, member: JS_MEMBER },
	go: { top: GO, member: [] },
	rust: { top: RUST, member: RUST },
	css: { top: CSS, member: CSS },
	scss: { top: CSS, member: CSS },
	shell: { top: SHELL, member: [] }
};

export function bracePatterns(language: string): { top: Pattern[]; member: Pattern[] } {
	return BY_LANGUAGE[language] ?? { top: C_LIKE, member: C_LIKE };
}

export function matchDeclaration(line: string, patterns: Pattern[]): Declaration | null {
	for (const [re, make] of patterns) {
		const m = re.exec(line);
		if (m) {
			const decl = make(m);
			if (decl) return decl;
		}
	}
	return null;
}

export const PYTHON_DECL = /^(\s*)(?:async\s+)?(def|class)\s+(\w+)/;
export const RUBY_DECL = /^(\s*)(def|class|module)\s+(?:self\.)?([\w:?!=]+)/;
