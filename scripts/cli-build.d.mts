import type { BuildOptions } from 'esbuild';

export const EXTERNAL: string[];
export function cliOptions(root: string, outdir: string): BuildOptions & { metafile: true };
export function workerOptions(root: string, outdir: string): BuildOptions;
export const CHUNK_FILE: RegExp;
