import { describe, expect, it } from 'vitest';
import { safeImageSrc, safeLinkHref } from '$lib/utils/markdown-urls';

// The URL rules alone, one case per way they could let something through (or wrongly stop it);
// markdown.test.ts checks them through the renderer.

describe('safeImageSrc', () => {
	it('loads http and https images, normalised, in any letter case', () => {
		expect(safeImageSrc('http://pics.example/a.png')).toBe('http://pics.example/a.png');
		expect(safeImageSrc('https://pics.example/a.png')).toBe('https://pics.example/a.png');
		expect(safeImageSrc('HTTPS://Pics.Example/a.png')).toBe('https://pics.example/a.png');
		expect(safeImageSrc('  https://pics.example/a.png\n')).toBe('https://pics.example/a.png');
	});

	it('loads the four raster data: images, with or without base64, in any letter case', () => {
		for (const type of ['png', 'jpeg', 'gif', 'webp']) {
			const url = `data:image/${type};base64,iVBORw0KGgo=`;
			expect(safeImageSrc(url)).toBe(url);
		}
		expect(safeImageSrc('data:image/png,%89PNG')).toBe('data:image/png,%89PNG');
		expect(safeImageSrc('DATA:IMAGE/PNG;BASE64,AAAA')).toBe('DATA:IMAGE/PNG;BASE64,AAAA');
		// Every character the payload may hold: letters, digits and + / = ; , . % ~ - _
		const payload = 'data:image/gif;charset=x;base64,Az09+/=;,.%~-_';
		expect(safeImageSrc(payload)).toBe(payload);
		// Kept as written once trimmed: no URL parser rewrote it.
		expect(safeImageSrc(' data:image/png;base64,AAAA ')).toBe('data:image/png;base64,AAAA');
	});

	it('refuses other data: images, and data: URLs that are not exactly one image', () => {
		for (const url of [
			'data:image/svg+xml;base64,PHN2Zy8+',
			'data:image/svg+xml,<svg onload=alert(1)>',
			'data:image/pngx;base64,AAAA',
			'data:image/png',
			'data:image/png;base64,AA"><script>',
			'data:image/png;base64,AA AA',
			'data:image/png;base64,AA\nAA',
			'data:image/png;base64,AA<',
			'xdata:image/png;base64,AAAA',
			'data:text/html;base64,PHNjcmlwdD4=',
			'data:,image/png'
		]) {
			expect(safeImageSrc(url), url).toBeNull();
		}
	});

	it('refuses every other scheme, relative and protocol-relative sources, and broken URLs', () => {
		for (const url of [
			'javascript:alert(1)',
			'JaVaScRiPt:alert(1)',
			'vbscript:msgbox(1)',
			'file:///etc/passwd',
			'ftp://files.example/a.png',
			'blob:https://pics.example/1',
			'//evil.example/x.png',
			'/a.png',
			'a.png',
			'',
			'   ',
			'http://',
			'https://[::1',
			'httpx://pics.example/a.png',
			'mailto:a@b.example'
		]) {
			expect(safeImageSrc(url), url).toBeNull();
		}
	});
});

describe('safeLinkHref', () => {
	it('keeps http and https links, normalised, in any letter case', () => {
		expect(safeLinkHref('http://example.com/a?b=1#c')).toBe('http://example.com/a?b=1#c');
		expect(safeLinkHref('https://example.com')).toBe('https://example.com/');
		expect(safeLinkHref('HTTP://Example.COM/Path')).toBe('http://example.com/Path');
		expect(safeLinkHref('\thttps://example.com/x ')).toBe('https://example.com/x');
	});

	it('keeps mailto links as written (trimmed), in any letter case', () => {
		expect(safeLinkHref('mailto:a@b.example?subject=Hi%20there')).toBe(
			'mailto:a@b.example?subject=Hi%20there'
		);
		expect(safeLinkHref('MAILTO:A@B.example')).toBe('MAILTO:A@B.example');
		expect(safeLinkHref('  mailto:a@b.example  ')).toBe('mailto:a@b.example');
	});

	it('drops every other link', () => {
		for (const url of [
			'javascript:alert(1)',
			'JAVASCRIPT:alert(1)',
			'\u0001javascript:alert(1)',
			'data:text/html,<script>alert(1)</script>',
			'data:image/png;base64,AAAA',
			'vbscript:x',
			'tel:+123',
			'file:///etc/passwd',
			'xmailto:a@b.example',
			'//example.com',
			'/relative',
			'#top',
			'',
			'http://',
			'https://exa mple.com'
		]) {
			expect(safeLinkHref(url), url).toBeNull();
		}
	});
});
