import * as v from 'valibot';
import { readJson, toolFetch } from '$lib/net/request';
import type { Tool, ToolContext, ToolResult } from '$lib/tools/types';
import { HearthError } from '$lib/types/errors';

// weather: Open-Meteo's geocoding (place → coordinates) and forecast APIs; no key needed.

export const WEATHER = 'weather';

const schema = v.object({
	place: v.pipe(
		v.string(),
		v.trim(),
		v.minLength(1, 'Say which place.'),
		v.maxLength(200),
		v.description('A town or city, optionally with its region or country: "Paris, Texas".')
	),
	days: v.optional(
		v.pipe(
			v.number(),
			v.integer(),
			v.minValue(1),
			v.maxValue(7),
			v.description('Days of forecast, 1–7 (default 3).')
		)
	),
	units: v.optional(
		v.pipe(
			v.picklist(['metric', 'imperial']),
			v.description('metric (°C, km/h, mm) or imperial (°F, mph, inch); default metric.')
		)
	)
});

type Args = v.InferOutput<typeof schema>;

/** WMO weather interpretation codes, as Open-Meteo documents them. */
const WMO: Record<number, string> = {
	0: 'clear sky',
	1: 'mainly clear',
	2: 'partly cloudy',
	3: 'overcast',
	45: 'fog',
	48: 'freezing fog',
	51: 'light drizzle',
	53: 'drizzle',
	55: 'dense drizzle',
	56: 'light freezing drizzle',
	57: 'freezing drizzle',
	61: 'light rain',
	63: 'rain',
	65: 'heavy rain',
	66: 'light freezing rain',
	67: 'freezing rain',
	71: 'light snow',
	73: 'snow',
	75: 'heavy snow',
	77: 'snow grains',
	80: 'light rain showers',
	81: 'rain showers',
	82: 'violent rain showers',
	85: 'light snow showers',
	86: 'heavy snow showers',
	95: 'thunderstorm',
	96: 'thunderstorm with light hail',
	99: 'thunderstorm with heavy hail'
};

export function weatherWords(code: unknown): string {
	return typeof code === 'number' ? (WMO[code] ?? `weather code ${code}`) : 'unknown conditions';
}

export interface Place {
	name: string;
	latitude: number;
	longitude: number;
	country?: string;
	admin1?: string;
}

function endpoint(base: string, path: string, what: string): URL {
	try {
		return new URL(path, base.endsWith('/') ? base : `${base}/`);
	} catch {
		throw new HearthError(
			'tool_failed',
			`The ${what} address in Settings ("${base}") is not valid.`
		);
	}
}

async function getJson(ctx: ToolContext, url: URL, purpose: string, what: string) {
	const response = await toolFetch(ctx, url.href, {
		purpose,
		tool: WEATHER,
		init: { headers: { Accept: 'application/json' } }
	});
	if (!response.ok) {
		const body = (await readJson(response, what, ctx.signal).catch(() => ({}))) as {
			reason?: unknown;
		};
		const reason = typeof body.reason === 'string' ? `: ${body.reason}` : '';
		throw new HearthError('tool_failed', `${what} answered ${response.status}${reason}.`, {
			status: response.status
		});
	}
	return readJson(response, what, ctx.signal);
}

function label(place: Place): string {
	return [place.name, place.admin1, place.country].filter(Boolean).join(', ');
}

/** "Paris, Texas" searches "Paris" and prefers a result whose region or country matches "Texas". */
async function findPlace(ctx: ToolContext, query: string): Promise<Place> {
	const [name = query, ...rest] = query.split(',').map((s) => s.trim());
	const qualifier = rest.join(' ').toLowerCase();
	const url = endpoint(ctx.settings.openMeteoGeocodingUrl, 'v1/search', 'Open-Meteo geocoding');
	url.search = new URLSearchParams({
		name,
		count: qualifier ? '10' : '1',
		language: 'en',
		format: 'json'
	}).toString();
	const reply = (await getJson(ctx, url, `weather: find "${name}"`, 'Open-Meteo geocoding')) as {
		results?: Partial<Place & { country_code: string }>[];
	};
	const places = (reply.results ?? []).filter(
		(p): p is Place & { country_code?: string } =>
			typeof p.name === 'string' &&
			typeof p.latitude === 'number' &&
			typeof p.longitude === 'number'
	);
	const match = qualifier
		? places.find((p) =>
				[p.admin1, p.country, p.country_code].some((s) => s && s.toLowerCase() === qualifier)
			)
		: places[0];
	if (!match) {
		throw new HearthError(
			'tool_failed',
			`Open-Meteo does not know a place called "${query}". Try the nearest town's name, or ` +
				'add its region or country after a comma ("Springfield, Illinois").'
		);
	}
	return match;
}

interface Forecast {
	current?: Record<string, unknown>;
	current_units?: Record<string, string>;
	daily?: Record<string, unknown[]>;
	daily_units?: Record<string, string>;
	timezone?: string;
}

function forecastUrl(ctx: ToolContext, place: Place, days: number, imperial: boolean): URL {
	const url = endpoint(ctx.settings.openMeteoUrl, 'v1/forecast', 'Open-Meteo forecast');
	url.search = new URLSearchParams({
		latitude: String(place.latitude),
		longitude: String(place.longitude),
		current:
			'temperature_2m,apparent_temperature,relative_humidity_2m,precipitation,weather_code,wind_speed_10m',
		daily:
			'weather_code,temperature_2m_max,temperature_2m_min,precipitation_sum,precipitation_probability_max',
		timezone: 'auto',
		forecast_days: String(days),
		...(imperial
			? { temperature_unit: 'fahrenheit', wind_speed_unit: 'mph', precipitation_unit: 'inch' }
			: {})
	}).toString();
	return url;
}

function describeForecast(where: string, f: Forecast): { content: string; preview: string } {
	const c = f.current ?? {};
	const cu = f.current_units ?? {};
	const du = f.daily_units ?? {};
	const val = (value: unknown, unit: string | undefined) =>
		typeof value === 'number'
			? `${value}${unit === '%' || unit?.startsWith('°') ? '' : ' '}${unit ?? ''}`
			: '?';
	const now =
		`Now in ${where} (${String(c.time ?? 'local time')}, ${f.timezone ?? 'local'}): ` +
		`${weatherWords(c.weather_code)}, ${val(c.temperature_2m, cu.temperature_2m)} ` +
		`(feels like ${val(c.apparent_temperature, cu.apparent_temperature)}), humidity ` +
		`${val(c.relative_humidity_2m, cu.relative_humidity_2m)}, wind ` +
		`${val(c.wind_speed_10m, cu.wind_speed_10m)}, precipitation ${val(c.precipitation, cu.precipitation)}.`;
	const d = f.daily ?? {};
	const lines = (d.time ?? []).map((day, i) => {
		const rain = d.precipitation_probability_max?.[i];
		return (
			`${String(day)}: ${weatherWords(d.weather_code?.[i])}, ` +
			`${val(d.temperature_2m_min?.[i], du.temperature_2m_min)} to ` +
			`${val(d.temperature_2m_max?.[i], du.temperature_2m_max)}, precipitation ` +
			`${val(d.precipitation_sum?.[i], du.precipitation_sum)}` +
			(typeof rain === 'number' ? ` (${rain}% chance)` : '')
		);
	});
	return {
		content: [now, '', 'Forecast:', ...lines].join('\n'),
		preview: `${where}: ${weatherWords(c.weather_code)}, ${val(c.temperature_2m, cu.temperature_2m)}`
	};
}

async function run(args: Args, ctx: ToolContext): Promise<ToolResult> {
	const place = await findPlace(ctx, args.place);
	const where = label(place);
	const url = forecastUrl(ctx, place, args.days ?? 3, args.units === 'imperial');
	const forecast = (await getJson(
		ctx,
		url,
		`weather forecast: ${where}`,
		'Open-Meteo'
	)) as Forecast;
	if (!forecast.current || !forecast.daily) {
		throw new HearthError(
			'tool_failed',
			'Open-Meteo sent a forecast without current or daily data.'
		);
	}
	const text = describeForecast(where, forecast);
	return {
		content: `${text.content}\n\n(Data: Open-Meteo.)`,
		preview: text.preview,
		// External data the model reads verbatim; marked like any other outside text.
		untrusted: true,
		sources: [{ title: `Open-Meteo forecast for ${where}`, url: url.href }]
	};
}

export const weatherTool: Tool<typeof schema> = {
	name: WEATHER,
	title: 'Weather',
	description:
		'Current weather and a forecast of up to 7 days for a place (Open-Meteo). Give the town ' +
		'name, with region or country after a comma if it is ambiguous.',
	schema,
	sideEffect: false,
	network: true,
	defaultEnabled: true,
	timeoutMs: 20_000,
	describe(args) {
		return `Look up the weather for ${args.place}${args.days ? ` (${args.days} days)` : ''}.`;
	},
	run
};
