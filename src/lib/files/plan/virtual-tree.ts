// The folder as a plan would leave it, built without changing anything: real folders are read
// (listed once, when first needed) and the plan's operations are played on this copy, so each
// one sees the effects of those before it (a folder made, then files moved into it).
import type { DirHandle, FileHandle } from '$lib/files/handles';
import { HearthError } from '$lib/types/errors';
import type { EntryKind } from '$lib/types/file-plan';

/** A planning run reads at most this many entries (a whole disk can be shared). */
export const MAX_PLAN_ENTRIES = 50_000;

export interface VFile {
	kind: 'file';
	name: string;
	/** The real file, while the node stands for one (null: the plan creates it). */
	handle: FileHandle | null;
	/** An earlier operation moved it or a folder holding it: find it by path when applying. */
	stale?: boolean;
}

export interface VDir {
	kind: 'directory';
	name: string;
	handle: DirHandle | null;
	/** Null until listed (planned folders start empty and known). */
	children: Map<string, VNode> | null;
	stale?: boolean;
}

export type VNode = VFile | VDir;

export class VirtualTree {
	readonly root: VDir;
	#read = 0;

	constructor(root: DirHandle) {
		this.root = { kind: 'directory', name: '', handle: root, children: null };
	}

	/** The children of a folder, listing the real one on first use. */
	async children(dir: VDir): Promise<Map<string, VNode>> {
		if (dir.children) return dir.children;
		const children = new Map<string, VNode>();
		if (dir.handle) {
			for await (const [name, handle] of dir.handle.entries()) {
				if (++this.#read > MAX_PLAN_ENTRIES) {
					throw new HearthError(
						'content_too_large',
						`The plan touches more than ${MAX_PLAN_ENTRIES.toLocaleString('en')} files and folders; split it into smaller plans.`
					);
				}
				const stale = dir.stale === true;
				children.set(
					name,
					handle.kind === 'directory'
						? { kind: 'directory', name, handle, children: null, stale }
						: { kind: 'file', name, handle, stale }
				);
			}
		}
		dir.children = children;
		return children;
	}

	/**
	 * The child named `name`, or the one whose name differs only in case (Windows and macOS
	 * treat those as the same name); exact matches win.
	 */
	async child(dir: VDir, name: string): Promise<VNode | undefined> {
		const children = await this.children(dir);
		const exact = children.get(name);
		if (exact) return exact;
		const folded = name.toLowerCase();
		for (const [n, node] of children) if (n.toLowerCase() === folded) return node;
		return undefined;
	}

	/** The node at `path`; null when missing or when a file stands where a folder should. */
	async find(path: readonly string[]): Promise<VNode | null> {
		let node: VNode = this.root;
		for (let i = 0; i < path.length; i++) {
			if (node.kind !== 'directory') return null;
			const next = await this.child(node, path[i]!);
			// Only an exact name counts when following a path (the real walk is exact too).
			if (!next || next.name !== path[i]) return null;
			node = next;
		}
		return node;
	}

	/** Takes a node out of its folder. */
	async detach(parent: VDir, node: VNode): Promise<void> {
		const children = await this.children(parent);
		children.delete(node.name);
	}

	/** Puts a node into a folder under `name`. */
	async attach(parent: VDir, node: VNode, name: string): Promise<void> {
		const children = await this.children(parent);
		node.name = name;
		children.set(name, node);
	}

	/** After a move: its real handles (and those of everything in it) no longer point at it. */
	markMoved(node: VNode): void {
		node.stale = true;
		if (node.kind === 'directory' && node.children) {
			for (const child of node.children.values()) this.markMoved(child);
		}
	}

	/** A deep copy of a node as the plan would make it (no real handles: it does not exist yet). */
	async cloneForCopy(node: VNode): Promise<VNode> {
		if (node.kind === 'file') return { kind: 'file', name: node.name, handle: null };
		const children = await this.children(node);
		const copy = new Map<string, VNode>();
		for (const [name, child] of children) {
			copy.set(name, await this.cloneForCopy(child));
		}
		return { kind: 'directory', name: node.name, handle: null, children: copy };
	}
}

export function kindOf(node: VNode): EntryKind {
	return node.kind;
}

/** Whether `inner` is `outer` or inside it ("a/b" is inside "a"). */
export function isWithin(inner: readonly string[], outer: readonly string[]): boolean {
	return outer.length <= inner.length && outer.every((s, i) => inner[i] === s);
}
