// Types of scripts/scan-wasm.mjs, for the tests that import it.
/** Absolute path of shared/adapters/cloudtrail-files/scan/scan.wat. */
export declare const WAT: string;
/** Absolute path of the generated scan-wasm.generated.ts. */
export declare const GENERATED: string;
/** The WebAssembly binary of a .wat text (SIMD enabled). */
export declare function assemble(source: string, name?: string): Promise<Buffer>;
/** The text of scan-wasm.generated.ts for these bytes. */
export declare function renderModule(bytes: Uint8Array): string;
/** What scan-wasm.generated.ts should hold now. */
export declare function expectedModule(): Promise<string>;
