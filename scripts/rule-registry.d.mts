// Types of scripts/rule-registry.mjs, for the tests that import it.
/** Absolute path of shared/core/rules/. */
export declare const RULES_DIR: string;
/** Absolute path of shared/core/rules/registry.ts (generated). */
export declare const REGISTRY: string;
/** The rule folders: every directory under shared/core/rules/ not starting with `_`, in name order. */
export declare function ruleFolders(dir?: string): string[];
/** The folder order of an existing registry.ts (its RULES array), or [] when there is none. */
export declare function registryOrder(text: string): string[];
/** The catalogue order: the kept order of the folders still present, then new folders in name order. */
export declare function catalogueOrder(folders: readonly string[], previous: readonly string[]): string[];
/** The text of registry.ts for these folders in this order. */
export declare function renderRegistry(order: readonly string[]): string;
/** What registry.ts should hold now: the current folders, in the order the current file keeps. */
export declare function expectedRegistry(dir?: string, file?: string): string;
