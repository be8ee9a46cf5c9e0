// Runs the real helm binary with its own cache, config and data directories,
// so tests never read or write the user's helm state.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binary } from './bins.ts';

const run = promisify(execFile);

export interface HelmResult {
  stdout: string;
  stderr: string;
}

export class Helm {
  private readonly env: NodeJS.ProcessEnv;

  constructor(workDir: string, kubeconfig?: string) {
    const home = join(workDir, 'helm');
    for (const sub of ['cache', 'config', 'data']) mkdirSync(join(home, sub), { recursive: true });
    this.env = {
      ...process.env,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
    };
  }

  /** Runs `helm ...args`; rejects with helm's stderr when it exits non-zero. */
  async run(...args: string[]): Promise<HelmResult> {
    try {
      return await run(binary('helm'), args, { env: this.env, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
      const failure = error as { stderr?: string; message: string };
      throw new Error(`helm ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`, {
        cause: error,
      });
    }
  }
}
