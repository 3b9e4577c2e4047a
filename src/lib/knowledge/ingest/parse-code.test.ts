import { describe, expect, it } from 'vitest';
import type { ParsedSection } from '$lib/types/knowledge';
import { collect } from './fixtures/make-files';
import type { CodeFamily } from './formats';
import { splitLines, stringPieces } from './lines';
import { parseCode } from './parse-code';

function sections(source: string, language: string, family: CodeFamily = 'brace') {
	return collect(parseCode(splitLines(stringPieces(source)), language, family));
}

const summary = (list: ParsedSection[]) => list.map((s) => [s.symbol, s.startLine, s.endLine]);

describe('parseCode: Python', () => {
	it('gives a class its methods as sections, decorators and comments included', async () => {
		const py = [
			'import os',
			'',
			'class Repo:',
			'    """Stores things.',
			'',
			'def not_a_function_just_docstring_text():',
			'    """',
			'',
			'    def __init__(self, url):',
			'        self.url = url',
			'',
			'    # Opens the connection.',
			'    @retry(times=3)',
			'    async def connect(',
			'        self,',
			'    ):',
			'        def helper():',
			'            return 1',
			'        return helper()',
			'',
			'    TIMEOUT = 5',
			'',
			'def main():',
			'    Repo(os.environ["URL"]).connect()',
			'',
			'if __name__ == "__main__":',
			'    main()'
		].join('\n');
		expect(summary(await sections(py, 'python', 'python'))).toEqual([
			[undefined, 1, 1],
			['class Repo', 3, 7],
			['class Repo › __init__', 9, 10],
			['class Repo › connect', 12, 19],
			['class Repo', 21, 21],
			['main', 23, 24],
			[undefined, 26, 27]
		]);
	});
});

describe('parseCode: brace languages', () => {
	it('splits TypeScript functions, arrow functions, classes and methods', async () => {
		const ts = [
			"const BRACES = '}}}{';",
			'export const add = (a: number, b: number): number => {',
			'\treturn a + b; // }',
			'};',
			'',
			'export default class Cache<T> {',
			'\t#items = new Map<string, T>();',
			'',
			'\tget(key: string): T | undefined {',
			'\t\tif (key) {',
			'\t\t\treturn this.#items.get(key);',
			'\t\t}',
			'\t}',
			'',
			'\tstatic async create(): Promise<Cache<string>> {',
			'\t\treturn new Cache();',
			'\t}',
			'}',
			'',
			'/* function fake() { */',
			'export interface Options {',
			'\tsize: number;',
			'}'
		].join('\n');
		expect(summary(await sections(ts, 'typescript'))).toEqual([
			[undefined, 1, 1],
			['add', 2, 4],
			['class Cache', 6, 7],
			['class Cache › get', 9, 13],
			['class Cache › create', 15, 18],
			['Options', 20, 23]
		]);
	});

	it('names Go methods by their receiver', async () => {
		const go = [
			'package db',
			'',
			'type Repo struct {',
			'\turl string',
			'}',
			'',
			'func (r *Repo) Connect() error {',
			'\treturn nil',
			'}',
			'',
			'func Open(url string) *Repo {',
			'\treturn &Repo{url: url}',
			'}'
		].join('\n');
		expect(summary(await sections(go, 'go')).map((s) => s[0])).toEqual([
			undefined,
			'Repo',
			'Repo.Connect',
			'Open'
		]);
	});

	it('puts Rust functions under their impl block, undisturbed by lifetimes', async () => {
		const rs = [
			"pub struct Repo<'a> { url: &'a str }",
			'',
			"impl<'a> Repo<'a> {",
			"    pub fn new(url: &'a str) -> Self {",
			"        let brace = '{';",
			'        Repo { url }',
			'    }',
			'',
			'    fn connect(&self) -> bool { true }',
			'}',
			'',
			'fn main() {}'
		].join('\n');
		expect(summary(await sections(rs, 'rust')).map((s) => s[0])).toEqual([
			'Repo',
			'impl Repo',
			'impl Repo › new',
			'impl Repo › connect',
			'main'
		]);
	});

	it('handles Java-style classes with annotations and C# namespaces', async () => {
		const java = [
			'package app;',
			'',
			'public final class Service {',
			'    private final Repo repo;',
			'',
			'    public Service(Repo repo) {',
			'        this.repo = repo;',
			'    }',
			'',
			'    @Override',
			'    public List<String> names(int limit) throws IOException {',
			'        for (int i = 0; i < limit; i++) {',
			'            log(i);',
			'        }',
			'        return List.of();',
			'    }',
			'}'
		].join('\n');
		expect(summary(await sections(java, 'java'))).toEqual([
			[undefined, 1, 1],
			['class Service', 3, 4],
			['class Service › Service', 6, 8],
			['class Service › names', 10, 17]
		]);
		const cs = [
			'namespace Shop',
			'{',
			'    public class Cart',
			'    {',
			'        public decimal Total()',
			'        {',
			'            return 0;',
			'        }',
			'    }',
			'}'
		].join('\n');
		expect(summary(await sections(cs, 'csharp')).map((s) => s[0])).toEqual([
			'namespace Shop',
			'namespace Shop › class Cart',
			'namespace Shop › class Cart › Total'
		]);
	});

	it('finds shell functions and Kotlin funs', async () => {
		const sh = [
			'#!/bin/sh',
			'set -e',
			'',
			'build() {',
			'  echo "{"',
			'}',
			'',
			'function deploy {',
			'  build',
			'}'
		];
		expect(summary(await sections(sh.join('\n'), 'shell', 'shell')).map((s) => s[0])).toEqual([
			undefined,
			'build',
			'deploy'
		]);
		const kt = [
			'class Greeter(val name: String) {',
			'    fun greet(): String {',
			'        return "hi $name"',
			'    }',
			'}'
		];
		expect(summary(await sections(kt.join('\n'), 'kotlin')).map((s) => s[0])).toEqual([
			'class Greeter',
			'class Greeter › greet'
		]);
	});
});

describe('parseCode: Ruby', () => {
	it('splits modules, classes and defs by indentation', async () => {
		const rb = [
			'module Shop',
			'  class Cart',
			'    def total',
			'      items.sum(&:price)',
			'    end',
			'',
			'    def self.empty?',
			'      true',
			'    end',
			'  end',
			'end'
		].join('\n');
		expect(summary(await sections(rb, 'ruby', 'ruby'))).toEqual([
			['module Shop', 1, 1],
			['module Shop › class Cart', 2, 2],
			['module Shop › class Cart › total', 3, 5],
			['module Shop › class Cart › empty?', 7, 11]
		]);
	});
});
