// A plan of changes to a shared folder (plan_file_changes): what the model proposes, what the
// card shows the person, and what was done. Plain data: it is stored on the message with the call.
import type { SerializedError } from '$lib/types/errors';

export type FileAction = 'make_folder' | 'move' | 'copy' | 'delete' | 'create_file';

/** What happens when something already has the name: nothing is ever overwritten silently. */
export type ConflictChoice = 'skip' | 'keep_both' | 'replace';

/** One operation as the model proposes it. A rename is a move within the same folder. */
export type FileOperation =
	| { action: 'make_folder'; path: string }
	| { action: 'move' | 'copy'; from: string; to: string; if_exists?: ConflictChoice }
	| { action: 'delete'; path: string }
	| { action: 'create_file'; path: string; content: string; if_exists?: ConflictChoice };

export type EntryKind = 'file' | 'directory';

/** How one item of a plan ended. */
export type ItemOutcome = 'done' | 'skipped' | 'failed' | 'not_run';

/** One item of a plan as the card shows it. */
export interface PlanItemView {
	/** Its position in the call's `operations` (what the approval's edits refer to). */
	index: number;
	action: FileAction;
	/** The source (move, copy), or the path itself (make_folder, delete, create_file). */
	path: string;
	/** Where it ends up (move, copy): a full path, with the name. */
	to?: string;
	entry: EntryKind;
	/** Bytes, for files (create_file: the new content's). */
	size?: number;
	/** Something already has the destination's name (case ignored: Windows and macOS ignore it). */
	conflict?: { existing: EntryKind; keepBothAs: string };
	/** The conflict's choice (the model's proposal until the person changes it). */
	choice?: ConflictChoice;
	/** Why this item can't run (it is left out): a missing source, a refused name… */
	problem?: string;
	/** A remark that needs no decision: "already exists", "a case-only rename". */
	note?: string;
	outcome?: ItemOutcome;
	/** Why it ended that way (the error that stopped the plan, where a kept copy went). */
	outcomeNote?: string;
}

/** 'interrupted': the page went away while it applied; its outcomes were rebuilt from the journal. */
export type PlanState =
	'proposed' | 'applying' | 'applied' | 'stopped' | 'cancelled' | 'interrupted';

/** The plan on its card: the proposal, then the same items with their outcomes. */
export interface FilePlanView {
	kind: 'file-plan';
	/** The shared folder's name. */
	folder: string;
	/** The model's one-line description of the plan. */
	summary?: string;
	items: PlanItemView[];
	/** Folders the plan creates on the way (parents of destinations that do not exist yet). */
	newFolders: string[];
	state: PlanState;
	/** Items finished while applying. */
	done: number;
	/** Deleted and replaced items are removed for good instead of going to the trash. */
	permanent: boolean;
	/** The applied plan's journal entry (undo). */
	journalId?: string;
	/** What stopped it. */
	error?: SerializedError;
}

/** What a file looked like when a plan left it: undo refuses when it changed since. */
export interface Fingerprint {
	size: number;
	lastModified: number;
}

/** One change a plan made, in the words undo needs. Paths are relative to the folder. */
export type JournalStep =
	| { kind: 'made_folder'; path: string }
	| { kind: 'moved'; from: string; to: string; entry: EntryKind; check?: Fingerprint }
	| { kind: 'copied'; to: string; entry: EntryKind; check?: Fingerprint }
	| { kind: 'created'; path: string; check: Fingerprint }
	| { kind: 'trashed'; path: string; entry: EntryKind; trashId: string }
	/** Deleted for good (the person chose it): undo cannot bring it back and says so. */
	| { kind: 'deleted'; path: string; entry: EntryKind };

export type JournalState =
	| 'applying'
	| 'applied'
	| 'stopped'
	| 'cancelled'
	/** The page went away while it applied; recovery completed the steps from the disk. */
	| 'interrupted'
	| 'undone';

/**
 * One step of the plan as it was about to be applied (build.ts's PlanStep as plain data): kept in
 * the journal before anything changes, so a reload half-way can tell what was done from the disk.
 */
export interface PlannedStep {
	index: number;
	action: FileAction;
	from: string;
	to: string;
	entry: EntryKind;
	newFolders: string[];
	replace?: { path: string; entry: EntryKind };
	caseOnly?: boolean;
	/** create_file: the new content's bytes (a shorter file was cut off mid-write). */
	size?: number;
}

/** How recovery found the items the journal had not recorded as done. */
export interface RecoveredOutcomes {
	/** Items done (from the journal, or found done on the disk). */
	done: number[];
	/** Items found half-done, with what is where now. */
	failed: { index: number; note: string }[];
}

export interface JournalEntry {
	id: string;
	/** The shared folder's id (GrantedFolder.id), and its name then. */
	folderId: string;
	folder: string;
	summary?: string;
	appliedAt: number;
	state: JournalState;
	steps: JournalStep[];
	/** How many steps, counted from the end, an undo that stopped half-way already took back. */
	undone: number;
	undoneAt?: number;
	/** The steps about to be applied (saved before the first change). */
	plan?: PlannedStep[];
	/** Set when an interrupted apply was recovered. */
	recovered?: RecoveredOutcomes;
}
