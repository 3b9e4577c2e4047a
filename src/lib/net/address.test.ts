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

describe('the edges of each block', () => {
	// One address just inside and one just outside each prefix, so a prefix one bit too long or
	// too short is caught.
	const table: [string, HostClass][] = [
		['126.255.255.255', 'public'],
		['128.0.0.1', 'public'],
		['9.255.255.255', 'public'],
		['11.0.0.1', 'public'],
		['172.15.255.255', 'public'],
		['192.167.255.255', 'public'],
		['192.169.0.1', 'public'],
		['169.253.255.255', 'public'],
		['169.255.0.1', 'public'],
		['100.63.255.255', 'public'],
		['223.255.255.255', 'public'],
		['240.0.0.1', 'reserved'],
		['192.0.0.255', 'reserved'],
		['192.0.1.1', 'public'],
		['192.0.3.1', 'public'],
		['192.88.98.1', 'public'],
		['198.17.255.255', 'public'],
		['198.19.255.255', 'reserved'],
		['198.20.0.1', 'public'],
		['198.51.100.1', 'reserved'],
		['198.51.101.1', 'public'],
		['203.0.112.1', 'public'],
		// IPv6.
		['2001:1::2', 'public'],
		['2001:1::3', 'public'],
		['2001:1::4', 'reserved'],
		['2001:3:ffff::1', 'public'],
		['2001:4:113::1', 'reserved'],
		['2001:2f::1', 'public'],
		['2001:30::1', 'public'],
		['2001:3f::1', 'public'],
		['2001:40::1', 'reserved'],
		['2001:1ff::1', 'reserved'],
		['2001:200::1', 'public'],
		['2001:db9::1', 'public'],
		['3fff:1000::1', 'public'],
		['1fff::1', 'reserved'],
		['2003::1', 'public'],
		['64:ff9b:2::1', 'reserved'],
		['64:ff9a::7f00:1', 'reserved'],
		['feff::1', 'private'],
		['fbff::1', 'reserved'],
		['ff00::1', 'multicast'],
		['::ffff:1:7f00:1', 'reserved'],
		['::fffe:7f00:1', 'reserved'],
		['::1:0:0:7f00:1', 'reserved']
	];
	it.each(table)('%s is %s', (host, kind) => {
		expect(classifyHost(host)).toBe(kind);
	});

	it('reads the edges of IPv4 spellings', () => {
		expect(parseIPv4('0x')).toEqual([0, 0, 0, 0]);
		expect(parseIPv4('0X7F.1')).toEqual([127, 0, 0, 1]);
		expect(parseIPv4('1.2.65535')).toEqual([1, 2, 255, 255]);
		expect(parseIPv4('1.2.65536')).toBeUndefined();
		expect(parseIPv4('1.16777215')).toEqual([1, 255, 255, 255]);
		expect(parseIPv4('1.16777216')).toBeUndefined();
		expect(parseIPv4('255.255.255.255')).toEqual([255, 255, 255, 255]);
		expect(parseIPv4('1.2.3.256')).toBeUndefined();
		expect(parseIPv4('4294967295')).toEqual([255, 255, 255, 255]);
		for (const host of ['09', '0x1g', '1.2.3.-1', '1e3', '.']) {
			expect(parseIPv4(host), host).toBeUndefined();
		}
	});

	it('reads the edges of IPv6 spellings', () => {
		expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
		expect(parseIPv6('ffff::')?.slice(0, 3)).toEqual([0xff, 0xff, 0]);
		expect(parseIPv6('::1.2.3.4')?.slice(12)).toEqual([1, 2, 3, 4]);
		for (const host of [
			'1:2:3:4:5:6:7::8',
			'1::2:3:4:5:6:7:8',
			'::ffff:1.2.3',
			'::ffff:1.2.3.256',
			'::1.2.3.4:5',
			'[::1',
			'1:2:3:4:5:6:7',
			'g::1'
		]) {
			expect(parseIPv6(host), host).toBeUndefined();
		}
	});
});

describe('what a refusal says', () => {
	function messageOf(raw: string, allowed: string[] = []): string {
		try {
			checkFetchTarget(raw, allowed);
			return 'ok';
		} catch (e) {
			return e instanceof HearthError ? `${e.code}: ${e.message}` : 'other';
		}
	}

	it.each([
		['http://127.0.0.1/', '127.0.0.1 is this device itself (loopback)'],
		['http://10.0.0.1/', '10.0.0.1 is a private network address'],
		[
			'http://169.254.169.254/',
			'169.254.169.254 is a link-local address (the local network segment or cloud metadata)'
		],
		['http://100.64.0.1/', '100.64.0.1 is a carrier-shared address (100.64.0.0/10)'],
		['http://0.0.0.0/', '0.0.0.0 is an unspecified address (0.0.0.0 or ::)'],
		['http://224.0.0.1/', '224.0.0.1 is a multicast address'],
		['http://192.0.2.1/', '192.0.2.1 is a reserved address'],
		[
			'http://nas.local:8080/',
			'nas.local:8080 is a name that only exists on this device or local network'
		]
	])('%s: %s', (raw, words) => {
		const host = new URL(raw).host;
		expect(messageOf(raw)).toBe(
			`network_blocked: ${words}, so Hearth did not fetch it. If you trust it, add "${host}" ` +
				'to the allowed private hosts in Settings.'
		);
	});

	it('says why an address is not one it fetches', () => {
		expect(messageOf('not a url')).toBe('tool_invalid_args: "not a url" is not a web address.');
		expect(messageOf('ftp://example.com/x')).toBe(
			'tool_invalid_args: Only http and https addresses can be fetched, not ftp.'
		);
		expect(messageOf('https://user@example.com/')).toBe(
			'network_blocked: Addresses with a user name or password are refused.'
		);
		expect(messageOf('https://:pw@example.com/')).toBe(
			'network_blocked: Addresses with a user name or password are refused.'
		);
		expect(messageOf('http://example.com/')).toBe('ok');
	});

	it('takes https to mean port 443 when matching an allowed host:port', () => {
		expect(isAllowedHost(new URL('https://192.168.1.5/'), ['192.168.1.5:443'])).toBe(true);
		expect(isAllowedHost(new URL('https://192.168.1.5/'), ['192.168.1.5:80'])).toBe(false);
		expect(isAllowedHost(new URL('http://192.168.1.5/'), ['192.168.1.5:443'])).toBe(false);
		expect(isAllowedHost(new URL('http://192.168.1.5/'), [' 192.168.1.5 '])).toBe(true);
		expect(isAllowedHost(new URL('http://192.168.1.6/'), ['192.168.1.5', '192.168.1.6'])).toBe(
			true
		);
	});
});
