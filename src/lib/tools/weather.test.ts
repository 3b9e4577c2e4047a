import { describe, expect, it } from 'vitest';
import { createNetFetch } from '$lib/net/ledger';
import { failureOf, recordingContext, testContext, useFixture } from '$lib/net/test-context';
import { freshDb } from '$lib/storage/test-db';
import { weatherTool, weatherWords } from '$lib/tools/weather';
import type { Settings } from '$lib/types/settings';
import { startOpenMeteoFixture } from '../../../tests/fixtures/open-meteo-fixture.js';

const meteo = useFixture(() => startOpenMeteoFixture());

function context(settings: Partial<Settings> = {}, signal?: AbortSignal) {
	const { url } = meteo();
	return recordingContext(
		{ openMeteoUrl: url, openMeteoGeocodingUrl: `${url}/`, ...settings },
		{ signal }
	);
}

describe('weather', () => {
	it('is a network tool without side effects, and says what it will do', () => {
		expect(weatherTool).toMatchObject({ name: 'weather', network: true, sideEffect: false });
		expect(weatherTool.describe({ place: 'Berlin', days: 2 })).toBe(
			'Look up the weather for Berlin (2 days).'
		);
	});

	it('geocodes, then reports current weather and the daily forecast in words and units', async () => {
		const { ctx, calls } = context();
		const result = await weatherTool.run({ place: 'Berlin', days: 2 }, ctx);
		expect(calls.map((c) => [c.purpose, c.tool])).toEqual([
			['weather: find "Berlin"', 'weather'],
			['weather forecast: Berlin, State of Berlin, Germany', 'weather']
		]);
		const forecast = new URL(calls[1]?.url ?? '');
		expect(forecast.pathname).toBe('/v1/forecast');
		expect(forecast.searchParams.get('timezone')).toBe('auto');
		expect(forecast.searchParams.get('forecast_days')).toBe('2');
		expect(forecast.searchParams.get('latitude')).toBe('52.52437');
		expect(result.content).toContain(
			'Now in Berlin, State of Berlin, Germany (2025-06-10T14:15, Europe/Berlin): light rain, 12.4°C (feels like 10.9°C), humidity 81%, wind 14.8 km/h, precipitation 0.2 mm.'
		);
		expect(result.content).toContain(
			'2025-06-10: light rain, 8°C to 15°C, precipitation 1.2 mm (70% chance)'
		);
		expect(result.content).toContain('2025-06-11: overcast, 9°C to 16°C');
		expect(result.content).not.toContain('2025-06-12');
		expect(result.preview).toBe('Berlin, State of Berlin, Germany: light rain, 12.4°C');
		expect(result.untrusted).toBe(true);
		expect(result.sources?.[0]?.url).toBe(forecast.href);
	});

	it('asks for imperial units when told', async () => {
		const { ctx, calls } = context();
		const result = await weatherTool.run({ place: 'Berlin', units: 'imperial' }, ctx);
		expect(new URL(calls[1]?.url ?? '').searchParams.get('temperature_unit')).toBe('fahrenheit');
		expect(result.content).toContain('54°F');
	});

	it('picks the place whose region or country follows a comma', async () => {
		const { ctx } = context();
		const texas = await weatherTool.run({ place: 'Paris, Texas' }, ctx);
		expect(texas.preview).toMatch(/^Paris, Texas, United States:/);
		const france = await weatherTool.run({ place: 'Paris, FR' }, ctx);
		expect(france.preview).toMatch(/^Paris, Île-de-France, France:/);
	});

	it('explains an unknown place', async () => {
		const { ctx, calls } = context();
		const error = await failureOf(weatherTool.run({ place: 'Atlantis' }, ctx));
		expect(error.code).toBe('tool_failed');
		expect(error.message).toContain('Open-Meteo does not know a place called "Atlantis"');
		expect(calls).toHaveLength(1);
		const wrongCountry = await failureOf(weatherTool.run({ place: 'Berlin, Peru' }, ctx));
		expect(wrongCountry.message).toContain('"Berlin, Peru"');
	});

	it("passes on Open-Meteo's reason for an error", async () => {
		const { ctx } = context({ openMeteoGeocodingUrl: 'http://127.0.0.1:1' });
		expect((await failureOf(weatherTool.run({ place: 'Berlin' }, ctx))).code).toBe(
			'network_failed'
		);
		const wrong = context({ openMeteoUrl: `${meteo().url}/nowhere/` });
		const error = await failureOf(weatherTool.run({ place: 'Berlin' }, wrong.ctx));
		expect(error.message).toBe('Open-Meteo answered 404: Not Found.');
	});

	it('is refused while offline-only is on, and stops when cancelled', async () => {
		const net = createNetFetch({ db: freshDb(), offlineOnly: () => true });
		const blocked = testContext({ openMeteoGeocodingUrl: meteo().url }, net);
		expect((await failureOf(weatherTool.run({ place: 'Berlin' }, blocked))).code).toBe(
			'network_blocked'
		);
		const controller = new AbortController();
		controller.abort();
		const { ctx } = context({}, controller.signal);
		expect((await failureOf(weatherTool.run({ place: 'Berlin' }, ctx))).code).toBe('aborted');
	});

	it('turns WMO codes into words', () => {
		expect(weatherWords(0)).toBe('clear sky');
		expect(weatherWords(95)).toBe('thunderstorm');
		expect(weatherWords(42)).toBe('weather code 42');
		expect(weatherWords(undefined)).toBe('unknown conditions');
	});
});
