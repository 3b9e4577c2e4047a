import { HearthError } from '$lib/types/errors';

// Which hosts a tool may reach. Pages a model asks for must not reach the user's own machine or
// network (a router's admin page, a dev server, cloud metadata at 169.254.169.254) unless the
// user allowed that host. The browser does not tell us what a name resolves to, so a public
// name that resolves to a private address (DNS rebinding) cannot be caught here: this checks
// the literal host, in every spelling the URL parser or a server would accept.
//
// The address classes follow IANA's IPv4 and IPv6 Special-Purpose Address Registries: a block
// the registry does not mark globally reachable is not public. An IPv6 address that carries an
// IPv4 address (mapped, translated, compatible, NAT64, 6to4) is judged by the IPv4 inside it.
// Only 2000::/3 is global unicast IPv6; anything else unlisted is reserved.

/** Why a host is off limits; 'public' means it may be fetched. */
export type HostClass =
	| 'public'
	| 'loopback'
	| 'private'
	| 'link-local'
	| 'shared'
	| 'unspecified'
	| 'multicast'
	| 'reserved'
	| 'local-name';

/**
 * Parses IPv4 the way URL parsers and inet_aton do: 1–4 parts, each decimal, 0x-hex or
 * 0-octal, the last part filling the remaining bytes ("2130706433", "0x7f.1", "0177.0.0.1").
 * Returns the four bytes, or undefined when `host` is not an IPv4 address.
 */
export function parseIPv4(host: string): number[] | undefined {
	const trimmed = host.endsWith('.') ? host.slice(0, -1) : host;
	const parts = trimmed.split('.');
	if (parts.length < 1 || parts.length > 4) return undefined;
	const values: number[] = [];
	for (const part of parts) {
		const value = parseIPv4Part(part);
		if (value === undefined) return undefined;
		values.push(value);
	}
	const last = values.pop() ?? 0;
	if (values.some((v) => v > 255)) return undefined;
	if (last >= 256 ** (4 - values.length)) return undefined;
	const bytes = [...values];
	for (let i = 3 - values.length; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
	return bytes;
}

function parseIPv4Part(part: string): number | undefined {
	if (part === '') return undefined;
	let digits = part;
	let radix = 10;
	if (/^0x/i.test(part)) {
		digits = part.slice(2);
		radix = 16;
		if (digits === '') return 0;
	} else if (part.length > 1 && part.startsWith('0')) {
		digits = part.slice(1);
		radix = 8;
	}
	const pattern = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
	if (!pattern.test(digits)) return undefined;
	const value = parseInt(digits, radix);
	return Number.isSafeInteger(value) ? value : undefined;
}

/** Parses IPv6 (with or without brackets, "::" and a trailing dotted IPv4) into 16 bytes. */
export function parseIPv6(host: string): number[] | undefined {
	let text = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
	const zone = text.indexOf('%');
	if (zone !== -1) text = text.slice(0, zone);
	if (!text.includes(':')) return undefined;
	const halves = text.split('::');
	if (halves.length > 2) return undefined;
	const head = groupsOf(halves[0] ?? '');
	const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
	if (!head || !tail) return undefined;
	const missing = 8 - head.length - tail.length;
	if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
	const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
	return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** Hex groups of one side of "::"; a dotted IPv4 may end it (two groups). */
function groupsOf(side: string): number[] | undefined {
	if (side === '') return [];
	const pieces = side.split(':');
	const groups: number[] = [];
	for (const [i, piece] of pieces.entries()) {
		if (i === pieces.length - 1 && piece.includes('.')) {
			if (!/^\d+\.\d+\.\d+\.\d+$/.test(piece)) return undefined;
			const v4 = parseIPv4(piece);
			if (!v4) return undefined;
			groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
		} else {
			if (!/^[0-9a-f]{1,4}$/i.test(piece)) return undefined;
			groups.push(parseInt(piece, 16));
		}
	}
	return groups;
}

function inV4(bytes: number[], prefix: number[], bits: number): boolean {
	let remaining = bits;
	for (let i = 0; remaining > 0; i++, remaining -= 8) {
		const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
		if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
	}
	return true;
}

export function classifyIPv4(b: number[]): HostClass {
	if (inV4(b, [0], 8)) return 'unspecified';
	if (inV4(b, [127], 8)) return 'loopback';
	if (inV4(b, [10], 8) || inV4(b, [172, 16], 12) || inV4(b, [192, 168], 16)) return 'private';
	if (inV4(b, [169, 254], 16)) return 'link-local';
	if (inV4(b, [100, 64], 10)) return 'shared';
	if (inV4(b, [224], 4)) return 'multicast';
	// IETF protocol assignments, documentation, the deprecated 6to4 relay anycast,
	// benchmarking, reserved and broadcast.
	if (
		inV4(b, [192, 0, 0], 24) ||
		inV4(b, [192, 0, 2], 24) ||
		inV4(b, [192, 88, 99], 24) ||
		inV4(b, [198, 18], 15) ||
		inV4(b, [198, 51, 100], 24) ||
		inV4(b, [203, 0, 113], 24) ||
		inV4(b, [240], 4)
	) {
		return 'reserved';
	}
	return 'public';
}

/** Whether the first `bits` of `b` equal those of `prefix` (both as 16-bit groups). */
function inV6(b: number[], prefix: number[], bits: number): boolean {
	const bytes = prefix.flatMap((g) => [g >> 8, g & 0xff]);
	return inV4(b, bytes, bits);
}

/** Blocks of 2001::/23 (IETF protocol assignments) that IANA marks globally reachable. */
const GLOBAL_IN_2001_23: [number[], number][] = [
	[[0x2001, 0x1, 0, 0, 0, 0, 0, 0x1], 128], // PCP anycast
	[[0x2001, 0x1, 0, 0, 0, 0, 0, 0x2], 128], // TURN anycast
	[[0x2001, 0x1, 0, 0, 0, 0, 0, 0x3], 128], // DNS-SD service registration anycast
	[[0x2001, 0x3], 32], // AMT
	[[0x2001, 0x4, 0x112], 48], // AS112-v6
	[[0x2001, 0x20], 28], // ORCHIDv2
	[[0x2001, 0x30], 28] // drone remote ID
];

export function classifyIPv6(b: number[]): HostClass {
	const zeroUpTo = (n: number) => b.slice(0, n).every((x) => x === 0);
	if (zeroUpTo(16)) return 'unspecified';
	if (zeroUpTo(15) && b[15] === 1) return 'loopback';
	const v4 = b.slice(12);
	// IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d (SIIT), IPv4-compatible
	// ::a.b.c.d and the well-known NAT64 prefix 64:ff9b::/96 reach the IPv4 address inside.
	if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return classifyIPv4(v4);
	if (zeroUpTo(8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) {
		return classifyIPv4(v4);
	}
	if (zeroUpTo(12)) return classifyIPv4(v4);
	if (inV6(b, [0x64, 0xff9b, 0, 0, 0, 0], 96)) return classifyIPv4(v4);
	// The local-use NAT64 prefix (RFC 8215) translates inside one network only.
	if (inV6(b, [0x64, 0xff9b, 0x1], 48)) return 'private';
	if (inV6(b, [0xfe80], 10)) return 'link-local';
	// fec0::/10 (old site-local) and fc00::/7 (unique local) are both private networks.
	if (inV6(b, [0xfec0], 10) || inV6(b, [0xfc00], 7)) return 'private';
	if (inV6(b, [0xff00], 8)) return 'multicast';
	// Outside global unicast: discard-only 100::/64, the dummy prefix 100:0:0:1::/64, SRv6 SIDs
	// 5f00::/16, and everything IANA has not allocated.
	if (!inV6(b, [0x2000], 3)) return 'reserved';
	// 6to4 (2002:aabb:ccdd::) carries an IPv4 address in bytes 2–5.
	if (inV6(b, [0x2002], 16)) {
		const inner = classifyIPv4(b.slice(2, 6));
		if (inner !== 'public') return inner;
	}
	if (inV6(b, [0x2001], 23)) {
		// Teredo, benchmarking, the old ORCHID and the rest of the IETF block are not global.
		return GLOBAL_IN_2001_23.some(([prefix, bits]) => inV6(b, prefix, bits))
			? 'public'
			: 'reserved';
	}
	// Documentation: 2001:db8::/32 and 3fff::/20.
	if (inV6(b, [0x2001, 0xdb8], 32) || inV6(b, [0x3fff], 20)) return 'reserved';
	return 'public';
}

/** Names that only mean something on this machine or this network. */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'lan', 'home.arpa'];

/** Classifies a URL host (hostname only, no port; IPv6 with or without brackets). */
export function classifyHost(host: string): HostClass {
	const lower = host.trim().toLowerCase();
	if (lower === '') return 'unspecified';
	const v6 = parseIPv6(lower);
	if (v6) return classifyIPv6(v6);
	const v4 = parseIPv4(lower);
	if (v4) return classifyIPv4(v4);
	const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
	if (LOCAL_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`))) return 'local-name';
	// A single-label name ("router", "nas") is resolved through the local network's search domain.
	if (!name.includes('.')) return 'local-name';
	return 'public';
}

const CLASS_WORDS: Record<Exclude<HostClass, 'public'>, string> = {
	loopback: 'this device itself (loopback)',
	private: 'a private network address',
	'link-local': 'a link-local address (the local network segment or cloud metadata)',
	shared: 'a carrier-shared address (100.64.0.0/10)',
	unspecified: 'an unspecified address (0.0.0.0 or ::)',
	multicast: 'a multicast address',
	reserved: 'a reserved address',
	'local-name': 'a name that only exists on this device or local network'
};

function defaultPort(protocol: string): string {
	return protocol === 'https:' ? '443' : '80';
}

/** Whether `url`'s host (or host:port) is one the user allowed in settings.allowedPrivateHosts. */
export function isAllowedHost(url: URL, allowed: readonly string[]): boolean {
	const port = url.port || defaultPort(url.protocol);
	return allowed.some((entry) => {
		const trimmed = entry.trim().toLowerCase();
		if (trimmed === '') return false;
		let parsed: URL;
		try {
			parsed = new URL(`http://${trimmed}`);
		} catch {
			return false;
		}
		if (parsed.hostname !== url.hostname) return false;
		// "host" allows every port; "host:port" only that one (":80" is spelled out, so check it).
		const explicit = /:(\d+)$/.exec(trimmed);
		return explicit === null || Number(explicit[1]) === Number(port);
	});
}

/**
 * Checks a URL a tool is about to fetch: http(s) only, and not a loopback, private, link-local
 * or otherwise local target unless allowed. Returns the parsed URL; throws HearthError
 * 'tool_invalid_args' (not a web address) or 'network_blocked' (with the reason).
 */
export function checkFetchTarget(raw: string, allowed: readonly string[]): URL {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new HearthError('tool_invalid_args', `"${raw}" is not a web address.`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new HearthError(
			'tool_invalid_args',
			`Only http and https addresses can be fetched, not ${url.protocol.slice(0, -1)}.`
		);
	}
	if (url.username || url.password) {
		throw new HearthError('network_blocked', 'Addresses with a user name or password are refused.');
	}
	const kind = classifyHost(url.hostname);
	if (kind !== 'public' && !isAllowedHost(url, allowed)) {
		throw new HearthError(
			'network_blocked',
			`${url.host} is ${CLASS_WORDS[kind]}, so Hearth did not fetch it. If you trust it, add ` +
				`"${url.host}" to the allowed private hosts in Settings.`
		);
	}
	return url;
}
