import { readablePage, type HtmlParser } from '$lib/net/readable';

// HTML: the page's readable text through Readability (net/readable.ts), whose output marks
// headings with '#', so parseMarkdown turns them into heading paths. The page title leads as the
// top heading (Readability demotes the article's own h1 to h2), unless it is already there.

export function htmlToText(html: string, name: string, parse: HtmlParser): string {
	const page = readablePage(parse(html, `file:///${encodeURIComponent(name)}`));
	const text = page.text.trim();
	const first = /^#{1,6} (.*)/.exec(text)?.[1]?.trim();
	if (!page.title || first === page.title) return text;
	return `# ${page.title}\n\n${text}`;
}
