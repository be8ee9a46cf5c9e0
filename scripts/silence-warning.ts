// Silences one Node.js warning by its code and prints every other one as
// Node.js would. For warnings a dependency causes and a user cannot act on.
export function silenceWarning(code: string): void {
  const print = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.code === code) return;
    for (const listener of print) listener.call(process, warning);
  });
}
