import { describe, expect, it } from 'vitest';
import {
	checkFetchTarget,
	classifyHost,
	isAllowedHost,
	parseIPv4,
	parseIPv6,
	type HostClass
} from '$lib/net/address';
import { HearthError } from '$lib/types/errors';

describe('parseIPv4', () => {
	it.each([
		['127.0.0.1', [127, 0, 0, 1]],
		['2130706433', [127, 0, 0, 1]],
		['0x7f000001', [127, 0, 0, 1]],
		['0x7f.1', [127, 0, 0, 1]],
		['0177.0.0.1', [127, 0, 0, 1]],
		['127.1', [127, 0, 0, 1]],
		['10.0.258', [10, 0, 1, 2]],
		['192.168.1.1.', [192, 168, 1, 1]],
		['0', [0, 0, 0, 0]]
	])('%s → %j', (host, bytes) => {
		expect(parseIPv4(host)).toEqual(bytes);
	});

	it.each(['example.com', '256.0.0.1', '1.2.3.4.5', '08.0.0.1', '4294967296', '1..2', ''])(
		'%s is not IPv4',
		(host) => {
			expect(parseIPv4(host)).toBeUndefined();
		}
	);
});

describe('parseIPv6', () => {
	it('reads compressed, bracketed, zoned and dotted-tail forms', () => {
		expect(parseIPv6('::1')?.at(15)).toBe(1);
		expect(parseIPv6('[::1]')?.at(15)).toBe(1);
		expect(parseIPv6('fe80::1%eth0')?.slice(0, 2)).toEqual([0xfe, 0x80]);
		expect(parseIPv6('::ffff:127.0.0.1')?.slice(10)).toEqual([0xff, 0xff, 127, 0, 0, 1]);
		expect(parseIPv6('::ffff:7f00:1')?.slice(10)).toEqual([0xff, 0xff, 127, 0, 0, 1]);
	});

	it.each(['1:2:3', ':::1', '1::2::3', '12345::1', '1:2:3:4:5:6:7:8:9', 'example.com'])(
		'%s is not IPv6',
		(host) => {
			expect(parseIPv6(host)).toBeUndefined();
		}
	);
});

describe('classifyHost', () => {
	const table: [string, HostClass][] = [
		['127.0.0.1', 'loopback'],
		['127.255.255.254', 'loopback'],
		['2130706433', 'loopback'],
		['0x7f.1', 'loopback'],
		['0177.0.0.1', 'loopback'],
		['0x7f000001', 'loopback'],
		['localhost', 'local-name'],
		['LOCALHOST.', 'local-name'],
		['api.localhost', 'local-name'],
		['printer.local', 'local-name'],
		['nas.home.arpa', 'local-name'],
		['router', 'local-name'],
		['[::1]', 'loopback'],
		['::1', 'loopback'],
		['0:0:0:0:0:0:0:1', 'loopback'],
		['::ffff:7f00:1', 'loopback'],
		['[::ffff:127.0.0.1]', 'loopback'],
		['::ffff:10.0.0.1', 'private'],
		['::127.0.0.1', 'loopback'],
		['64:ff9b::169.254.169.254', 'link-local'],
		['2002:c0a8:0101::1', 'private'],
		['fe80::1', 'link-local'],
		['febf::1', 'link-local'],
		['fc00::1', 'private'],
		['fd12:3456::1', 'private'],
		['fec0::1', 'private'],
		['ff02::1', 'multicast'],
		['::', 'unspecified'],
		['0.0.0.0', 'unspecified'],
		['0', 'unspecified'],
		['10.1.2.3', 'private'],
		['172.16.0.1', 'private'],
		['172.31.255.255', 'private'],
		['192.168.1.5', 'private'],
		['169.254.169.254', 'link-local'],
		['100.64.0.1', 'shared'],
		['100.127.255.255', 'shared'],
		['224.0.0.1', 'multicast'],
		['239.255.255.250', 'multicast'],
		['255.255.255.255', 'reserved'],
		['192.0.2.10', 'reserved'],
		['172.32.0.1', 'public'],
		['100.128.0.1', 'public'],
		['8.8.8.8', 'public'],
		['1.1.1.1', 'public'],
		['2606:4700:4700::1111', 'public'],
		// Outside 2000::/3, the only global unicast space IANA allocates: not a public host.
		['fe00::1', 'reserved'],
		['en.wikipedia.org', 'public'],
		['localhost.example.com', 'public']
	];
	it.each(table)('%s is %s', (host, kind) => {
		expect(classifyHost(host)).toBe(kind);
	});

	it('agrees with the URL parser on every spelling of loopback', () => {
		for (const raw of [
			'http://2130706433/',
			'http://0x7f.1/',
			'http://0177.0.0.1/',
			'http://127.1/',
			'http://[::ffff:127.0.0.1]/',
			'http://[0:0:0:0:0:ffff:7f00:1]/'
		]) {
			expect(classifyHost(new URL(raw).hostname), raw).toBe('loopback');
		}
	});
});

describe('isAllowedHost', () => {
	it('matches a host on any port, or host:port exactly', () => {
		expect(isAllowedHost(new URL('http://192.168.1.5:8080/x'), ['192.168.1.5'])).toBe(true);
		expect(isAllowedHost(new URL('http://192.168.1.5:8080/x'), ['192.168.1.5:8080'])).toBe(true);
		expect(isAllowedHost(new URL('http://192.168.1.5:9090/x'), ['192.168.1.5:8080'])).toBe(false);
		expect(isAllowedHost(new URL('http://192.168.1.5/x'), ['192.168.1.5:80'])).toBe(true);
		expect(isAllowedHost(new URL('http://[::1]:3000/'), ['[::1]:3000'])).toBe(true);
		expect(isAllowedHost(new URL('http://nas.local/'), ['NAS.local'])).toBe(true);
		expect(isAllowedHost(new URL('http://127.0.0.1/'), ['localhost'])).toBe(false);
		expect(isAllowedHost(new URL('http://127.0.0.1/'), ['', 'not a host'])).toBe(false);
	});
});

describe('checkFetchTarget', () => {
	function codeOf(raw: string, allowed: string[] = []): string {
		try {
			checkFetchTarget(raw, allowed);
			return 'ok';
		} catch (e) {
			return e instanceof HearthError ? e.code : 'other';
		}
	}

	it('lets public http(s) through and refuses other schemes', () => {
		expect(codeOf('https://en.wikipedia.org/wiki/Lighthouse')).toBe('ok');
		expect(codeOf('file:///etc/passwd')).toBe('tool_invalid_args');
		expect(codeOf('javascript:alert(1)')).toBe('tool_invalid_args');
		expect(codeOf('not a url')).toBe('tool_invalid_args');
		expect(codeOf('https://user:pw@example.com/')).toBe('network_blocked');
	});

	it.each([
		'http://127.0.0.1:8080/',
		'http://2130706433/',
		'http://0x7f.1/',
		'http://0177.0.0.1/',
		'http://[::1]/',
		'http://[::ffff:7f00:1]:5000/',
		'http://[::ffff:127.0.0.1]/',
		'http://localhost:3000/',
		'http://app.localhost/',
		'http://[fe80::1]/',
		'http://[fd00::1]/',
		'http://169.254.169.254/latest/meta-data/',
		'http://100.64.1.1/',
		'http://0.0.0.0/',
		'http://192.168.0.1/'
	])('blocks %s', (raw) => {
		expect(codeOf(raw)).toBe('network_blocked');
	});

	it('allows a private host the user listed, and says how to allow one', () => {
		expect(codeOf('http://192.168.1.5:8080/', ['192.168.1.5:8080'])).toBe('ok');
		expect(codeOf('http://localhost:3000/', ['localhost'])).toBe('ok');
		expect(() => checkFetchTarget('http://10.0.0.2:81/', [])).toThrow(
			/10\.0\.0\.2:81 is a private network address.*allowed private hosts/
		);
	});
});

describe("IANA's special-purpose registries", () => {
	const table: [string, HostClass][] = [
		// IPv6 that carries IPv4: judged by the IPv4 inside.
		['::ffff:0:7f00:1', 'loopback'], // IPv4-translated (SIIT), ::ffff:0:0:0/96
		['::ffff:0:10.0.0.1', 'private'],
		['::ffff:0:8.8.8.8', 'public'],
		['64:ff9b::7f00:1', 'loopback'],
		['64:ff9b::8.8.8.8', 'public'],
		['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
		['2002:a9fe:a9fe::1', 'link-local'], // 6to4 of the cloud metadata address
		['2002:808:808::1', 'public'],
		// Special-purpose IPv6 blocks.
		['64:ff9b:1::a00:1', 'private'], // local-use NAT64, 64:ff9b:1::/48
		['100::1', 'reserved'], // discard-only, 100::/64
		['100:0:0:1::1', 'reserved'], // dummy prefix
		['2001::1', 'reserved'], // Teredo
		['2001:2::1', 'reserved'], // benchmarking
		['2001:10::1', 'reserved'], // deprecated ORCHID
		['2001:db8::1', 'reserved'], // documentation
		['3fff::1', 'reserved'], // documentation (RFC 9637)
		['5f00::1', 'reserved'], // SRv6 SIDs
		['fc00::1', 'private'],
		['fdff:ffff::1', 'private'],
		['fe80::abcd', 'link-local'],
		['::2', 'unspecified'], // IPv4-compatible 0.0.0.2, "this network"
		['4000::1', 'reserved'], // unallocated
		// ...and the blocks inside 2001::/23 that IANA marks globally reachable.
		['2001:1::1', 'public'],
		['2001:3::1', 'public'],
		['2001:4:112::1', 'public'],
		['2001:20::1', 'public'],
		['2620:4f:8000::1', 'public'],
		['2a00:1450:4001::1', 'public'],
		// IPv4.
		['192.88.99.1', 'reserved'], // deprecated 6to4 relay anycast
		['192.0.0.9', 'reserved'],
		['198.18.0.1', 'reserved'],
		['203.0.113.7', 'reserved'],
		['192.31.196.1', 'public'] // AS112, globally reachable
	];
	it.each(table)('%s is %s', (host, kind) => {
		expect(classifyHost(host)).toBe(kind);
	});

	it('blocks the embedded spellings of loopback and metadata as URLs', () => {
		for (const raw of [
			'http://[::ffff:0:7f00:1]/',
			'http://[64:ff9b:1::a9fe:a9fe]/',
			'http://[100::1]/',
			'http://[2002:a9fe:a9fe::]/'
		]) {
			expect(() => checkFetchTarget(raw, []), raw).toThrow(HearthError);
		}
	});
});
