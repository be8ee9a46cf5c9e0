// The bridge as its own process, through its real entry point, as the image
// runs it: resolves once it logs that it is ready, fails with its output if
// it exits before.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '../../bin/bridge.ts');

export function spawnBridge(args: string[], extraEnv: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"msg":"ready"')) resolve(child);
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`bridge exited (${code}) before ready:\n${out}`)));
  });
}
