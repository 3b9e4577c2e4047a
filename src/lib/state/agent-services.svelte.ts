// The agent's long-lived parts, made once per page: the ledgered fetch, the tools and what they
// keep (reminders and their scheduler, shared folders, attachments, the Python sandbox).
import type { TurnTools } from '$lib/conversation/ports';
import { createFolderAccess, dexieFolderSource, type FolderAccess } from '$lib/files/access';
import { browserFolderEnv, type FolderEnv } from '$lib/files/folders';
import { dexiePlanJournal, type PlanJournal } from '$lib/files/plan/journal';
import { createNetFetch, type LedgerFetch } from '$lib/net/ledger';
import { createBrowserNotifier, type ReminderNotifier } from '$lib/reminders/notifier';
import { ReminderScheduler } from '$lib/reminders/scheduler';
import { dexieReminderRows, ReminderStore } from '$lib/reminders/store';
import { LedgerState } from '$lib/state/ledger.svelte';
import { FilePlansState } from '$lib/state/file-plans.svelte';
import { FolderTrashState } from '$lib/state/folder-trash.svelte';
import { SharedFoldersState } from '$lib/state/shared-folders.svelte';
import { AttachmentRepository } from '$lib/storage/attachments-repo';
import type { HearthDb } from '$lib/storage/db';
import type { ToolRegistry } from '$lib/tools/registry';
import type { AnyTool } from '$lib/tools/types';
import type { Reminder } from '$lib/types/agent-data';
import type { HearthError } from '$lib/types/errors';
import type { Settings } from '$lib/types/settings';

export interface AgentServicesDeps {
	db: HearthDb;
	settings: () => Settings;
	/** A reminder shown inside Hearth (no notification permission, or no system channel). */
	onReminder: (reminder: Reminder) => void;
	/** Reminders whose time passed while Hearth was closed. */
	onMissed: (reminders: Reminder[]) => void;
	onError: (e: HearthError) => void;
}

export class AgentServices {
	readonly net: LedgerFetch;
	/** The tools, once loaded (they are fetched on first use: the shell stays small). */
	registry = $state.raw<ToolRegistry | null>(null);
	#loading: Promise<ToolRegistry> | null = null;
	#extra: AnyTool[] = [];
	readonly #settings: () => Settings;
	readonly reminders: ReminderStore;
	readonly notifier: ReminderNotifier;
	readonly scheduler: ReminderScheduler;
	readonly folderEnv: FolderEnv;
	readonly folders: FolderAccess;
	readonly attachments: AttachmentRepository;
	/** The shared folders as Tools and agents lists them. */
	readonly sharedFolders: SharedFoldersState;
	/** Applied file plans (for undo), and each folder's trash. */
	readonly planJournal: PlanJournal;
	readonly filePlans: FilePlansState;
	readonly trash: FolderTrashState;
	readonly #deps: AgentServicesDeps;

	constructor(deps: AgentServicesDeps) {
		this.net = createNetFetch({
			db: deps.db,
			offlineOnly: () => deps.settings().offlineOnly,
			onError: deps.onError
		});
		this.reminders = new ReminderStore(dexieReminderRows(deps.db));
		this.notifier = createBrowserNotifier(deps.onReminder);
		this.scheduler = new ReminderScheduler({
			store: this.reminders,
			notifier: this.notifier,
			onMissed: (missed) => {
				if (missed.length > 0) deps.onMissed(missed);
			},
			onError: deps.onError
		});
		this.folderEnv = browserFolderEnv();
		this.folders = createFolderAccess(dexieFolderSource(deps.db, this.folderEnv));
		this.attachments = new AttachmentRepository(deps.db);
		this.sharedFolders = new SharedFoldersState(deps.db, this.folderEnv);
		this.planJournal = dexiePlanJournal(deps.db);
		this.filePlans = new FilePlansState({ access: this.folders, journal: this.planJournal });
		this.trash = new FolderTrashState(this.folders);
		this.#settings = deps.settings;
		this.#deps = deps;
	}

	/** Loads every tool (first call), e.g. for the first answer or the Tools dialog. */
	loadRegistry(): Promise<ToolRegistry> {
		this.#loading ??= Promise.all([
			import('$lib/tools/all-tools'),
			import('$lib/python/shared')
		]).then(([{ createToolRegistry }, { sharedPythonSandbox }]) => {
			const registry = createToolRegistry({
				now: () => Date.now(),
				reminders: { store: this.reminders, notifier: this.notifier },
				folders: this.folders,
				planJournal: this.planJournal,
				python: sharedPythonSandbox(),
				pythonNetwork: () => this.#settings().pythonNetwork,
				extra: this.#extra
			});
			this.registry = registry;
			return registry;
		});
		return this.#loading;
	}

	/**
	 * Adds tools from elsewhere in Hearth (memory, knowledge search): the next answer sees them.
	 * A name already taken is refused by the registry.
	 */
	provideTools(tools: readonly AnyTool[]): void {
		this.#extra = [...this.#extra, ...tools];
		this.#loading = null;
		if (this.registry) void this.loadRegistry();
	}

	/** The privacy ledger's entries, live while the view exists (the ledger dialog is open). */
	ledgerView(): LedgerState {
		return new LedgerState({ db: this.#deps.db, onError: this.#deps.onError });
	}

	/** Starts the reminder timer (and reports what was missed while closed). */
	start(): void {
		void this.scheduler.start();
	}

	/** What the chat state needs to run tools. */
	chatDeps(): TurnTools {
		return {
			registry: () => this.loadRegistry(),
			net: this.net,
			hasWritableFolder: async () => (await this.folders.folders()).some((f) => f.writable),
			attachments: async (conversationId) =>
				(await this.attachments.list(conversationId)).map((a) => ({
					name: a.name,
					type: a.type,
					data: a.data
				}))
		};
	}
}
