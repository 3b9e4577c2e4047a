// The eval's own offline web. Network tools (web_search, fetch_page, weather) run their real code
// inside an eval, but every request they make is answered here, from a small fixed corpus and
// the case's own pages, without a byte leaving the device: an eval is repeatable, needs no
// network, and can never reach anyone. Unknown addresses get a 404 from "the eval's web".
import type { NetFetch } from '$lib/net/types';
import { HearthError } from '$lib/types/errors';

export const EVAL_WIKIPEDIA = 'https://en.wikipedia.org';
export const EVAL_OPEN_METEO = 'https://api.open-meteo.com';
export const EVAL_GEOCODING = 'https://geocoding-api.open-meteo.com';

interface Article {
	title: string;
	/** What the search result shows. */
	snippet: string;
	/** The article's paragraphs. */
	body: string[];
}

const ARTICLES: readonly Article[] = [
	{
		title: 'The Python Tutorial',
		snippet:
			'An informal introduction to Python: a tutorial for beginners learning Python programming.',
		body: [
			'The Python Tutorial introduces the basic concepts and features of the Python language.',
			'It covers numbers, strings, lists, control flow, functions, modules and classes.'
		]
	},
	{
		title: 'Python (programming language)',
		snippet:
			'Python is a high-level, general-purpose programming language created by Guido van Rossum, first released in 1991.',
		body: [
			'Python is a high-level, general-purpose programming language. Its design philosophy emphasizes code readability.',
			'Guido van Rossum began working on Python in the late 1980s; it was first released in 1991.'
		]
	},
	{
		title: 'Mount Kilimanjaro',
		snippet:
			'Mount Kilimanjaro is a dormant volcano in Tanzania; at 5,895 metres it is the highest mountain in Africa.',
		body: [
			'Mount Kilimanjaro is a dormant volcano in Tanzania. Its summit, Uhuru Peak, is 5,895 metres above sea level.',
			'It is the highest mountain in Africa and the highest free-standing mountain in the world.'
		]
	},
	{
		title: 'Eiffel Tower',
		snippet:
			'The Eiffel Tower is a wrought-iron lattice tower in Paris, completed in 1889; it is 330 metres tall.',
		body: [
			'The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France.',
			"It was completed in 1889 as the centrepiece of the World's Fair and is 330 metres tall."
		]
	},
	{
		title: 'Ada Lovelace',
		snippet:
			'Ada Lovelace (1815–1852) was an English mathematician, known for her work on the Analytical Engine.',
		body: [
			'Augusta Ada King, Countess of Lovelace (1815–1852), was an English mathematician and writer.',
			"She is known for her work on Charles Babbage's proposed Analytical Engine and published the first algorithm intended for it."
		]
	},
	{
		title: 'Marie Curie',
		snippet:
			'Marie Curie was a physicist and chemist who won Nobel Prizes in Physics (1903) and Chemistry (1911).',
		body: [
			'Marie Curie was a Polish and naturalised-French physicist and chemist who conducted pioneering research on radioactivity.',
			'She was the first person to win Nobel Prizes in two sciences: Physics in 1903 and Chemistry in 1911.'
		]
	},
	{
		title: 'Great Barrier Reef',
		snippet:
			"The Great Barrier Reef, off Queensland, Australia, is the world's largest coral reef system.",
		body: [
			"The Great Barrier Reef is the world's largest coral reef system, composed of over 2,900 individual reefs.",
			'It lies in the Coral Sea, off the coast of Queensland, Australia.'
		]
	}
];

interface City {
	name: string;
	country: string;
	admin1: string;
	latitude: number;
	longitude: number;
	timezone: string;
	/** Now: °C, weather code, humidity %, wind km/h. */
	now: [number, number, number, number];
}

const CITIES: readonly City[] = [
	{
		name: 'Paris',
		country: 'France',
		admin1: 'Île-de-France',
		latitude: 48.85,
		longitude: 2.35,
		timezone: 'Europe/Paris',
		now: [18.5, 2, 64, 11]
	},
	{
		name: 'London',
		country: 'United Kingdom',
		admin1: 'England',
		latitude: 51.51,
		longitude: -0.13,
		timezone: 'Europe/London',
		now: [14.2, 61, 81, 19]
	},
	{
		name: 'Tokyo',
		country: 'Japan',
		admin1: 'Tokyo',
		latitude: 35.69,
		longitude: 139.69,
		timezone: 'Asia/Tokyo',
		now: [26.1, 1, 70, 8]
	},
	{
		name: 'Oslo',
		country: 'Norway',
		admin1: 'Oslo',
		latitude: 59.91,
		longitude: 10.75,
		timezone: 'Europe/Oslo',
		now: [-3.4, 71, 88, 6]
	},
	{
		name: 'Nairobi',
		country: 'Kenya',
		admin1: 'Nairobi',
		latitude: -1.29,
		longitude: 36.82,
		timezone: 'Africa/Nairobi',
		now: [22.7, 3, 55, 14]
	}
];

function words(text: string): string[] {
	return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Articles sharing the most words with the query, best first (title words count double). */
export function searchArticles(query: string, limit: number): Article[] {
	const wanted = new Set(words(query));
	return ARTICLES.map((a) => {
		const title = words(a.title).filter((w) => wanted.has(w)).length;
		const body = new Set(words(`${a.snippet} ${a.body.join(' ')}`).filter((w) => wanted.has(w)))
			.size;
		return { a, score: title * 2 + body };
	})
		.filter((x) => x.score > 0)
		.sort((x, y) => y.score - x.score)
		.slice(0, limit)
		.map((x) => x.a);
}

function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"]/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!
	);
}

function articleHtml(a: Article): string {
	const paragraphs = a.body.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
	return `<!doctype html><html><head><title>${escapeHtml(a.title)} - Wikipedia</title></head><body><main><article><h1>${escapeHtml(a.title)}</h1>\n${paragraphs}\n</article></main></body></html>`;
}

function json(value: unknown): Response {
	return new Response(JSON.stringify(value), {
		status: 200,
		headers: { 'content-type': 'application/json' }
	});
}

function page(body: string): Response {
	const html = /^\s*</.test(body);
	return new Response(body, {
		status: 200,
		headers: { 'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8' }
	});
}

const notFound = (url: string) =>
	new Response(`Not found in the eval's offline web: ${url}`, {
		status: 404,
		headers: { 'content-type': 'text/plain' }
	});

function forecast(city: City): unknown {
	const [temperature, code, humidity, wind] = city.now;
	const days = ['2025-06-02', '2025-06-03', '2025-06-04'];
	return {
		timezone: city.timezone,
		current: {
			time: '2025-06-02T12:00',
			temperature_2m: temperature,
			apparent_temperature: temperature - 1,
			relative_humidity_2m: humidity,
			precipitation: code >= 61 ? 1.2 : 0,
			weather_code: code,
			wind_speed_10m: wind
		},
		current_units: {
			temperature_2m: '°C',
			apparent_temperature: '°C',
			relative_humidity_2m: '%',
			precipitation: 'mm',
			wind_speed_10m: 'km/h'
		},
		daily: {
			time: days,
			weather_code: days.map(() => code),
			temperature_2m_max: days.map((_, i) => temperature + 3 + i),
			temperature_2m_min: days.map((_, i) => temperature - 5 + i),
			precipitation_sum: days.map(() => (code >= 61 ? 3.5 : 0)),
			precipitation_probability_max: days.map(() => (code >= 61 ? 80 : 5))
		},
		daily_units: {
			temperature_2m_max: '°C',
			temperature_2m_min: '°C',
			precipitation_sum: 'mm'
		}
	};
}

/** Answers one request of the offline web. */
export function respond(url: string, pages: Readonly<Record<string, string>> = {}): Response {
	const own = pages[url];
	if (own !== undefined) return page(own);
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return notFound(url);
	}
	const q = parsed.searchParams;
	if (parsed.origin === EVAL_WIKIPEDIA && parsed.pathname === '/w/api.php') {
		const limit = Math.max(1, Math.min(10, Number(q.get('srlimit') ?? 5)));
		const hits = searchArticles(q.get('srsearch') ?? '', limit);
		return json({
			batchcomplete: true,
			query: { search: hits.map((a) => ({ title: a.title, snippet: escapeHtml(a.snippet) })) }
		});
	}
	if (parsed.origin === EVAL_WIKIPEDIA && parsed.pathname.startsWith('/wiki/')) {
		const title = decodeURIComponent(parsed.pathname.slice(6)).replace(/_/g, ' ');
		const article = ARTICLES.find((a) => a.title.toLowerCase() === title.toLowerCase());
		return article ? page(articleHtml(article)) : notFound(url);
	}
	if (parsed.origin === EVAL_GEOCODING && parsed.pathname === '/v1/search') {
		const name = (q.get('name') ?? '').trim().toLowerCase();
		const city = CITIES.find((c) => c.name.toLowerCase() === name);
		return json(
			city
				? {
						results: [
							{
								name: city.name,
								country: city.country,
								admin1: city.admin1,
								latitude: city.latitude,
								longitude: city.longitude
							}
						]
					}
				: { generationtime_ms: 0.1 }
		);
	}
	if (parsed.origin === EVAL_OPEN_METEO && parsed.pathname === '/v1/forecast') {
		const lat = Number(q.get('latitude'));
		const city = CITIES.find((c) => Math.abs(c.latitude - lat) < 0.01);
		return city
			? json(forecast(city))
			: new Response('{"error":true,"reason":"No such place"}', { status: 400 });
	}
	return notFound(url);
}

/**
 * The NetFetch network tools get inside an eval: answered by the offline web, each request noted
 * in `requests`. It never calls fetch().
 */
export function offlineNet(pages: Readonly<Record<string, string>>, requests: string[]): NetFetch {
	return async (url, init) => {
		if (init.signal?.aborted) throw new HearthError('aborted', 'Stopped.');
		requests.push(url);
		return respond(url, pages);
	};
}
