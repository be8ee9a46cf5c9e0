// Certificates between the API server and the kubelet: a CA that the kubelet
// trusts for client certificates, and the API server's client certificate
// (group system:masters), so that logs, exec and port-forward through the
// kubelet are authenticated as in a real cluster. Made with the openssl CLI:
// Node.js can make keys but not sign certificates.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './host.ts';

export interface NodePki {
  caFile: string;
  apiserverClientCert: string;
  apiserverClientKey: string;
}

export function createNodePki(dir: string): NodePki {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const days = ['-days', '2'];
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    ...days,
    '-subj',
    '/CN=shelfpulse-test-node-ca',
  ]);
  run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file('apiserver-kubelet-client.key'),
    '-out',
    file('apiserver-kubelet-client.csr'),
    '-subj',
    '/O=system:masters/CN=kube-apiserver-kubelet-client',
  ]);
  run('openssl', [
    'x509',
    '-req',
    '-in',
    file('apiserver-kubelet-client.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('apiserver-kubelet-client.crt'),
    ...days,
  ]);
  return {
    caFile: file('ca.crt'),
    apiserverClientCert: file('apiserver-kubelet-client.crt'),
    apiserverClientKey: file('apiserver-kubelet-client.key'),
  };
}
