// The bridge's own credentials, the device-cloud API key and the webhook
// secret: fixed values from the environment, or files (mounted Secrets) read
// again when rotated (credential.ts). The sinks' are in sink-credentials.ts.
import type { Logger } from 'pino';
import { webhookSecretProblem, type BridgeConfig } from './config.ts';
import { Credential } from './credential.ts';

export interface BridgeCredentials {
  apiKey: Credential | undefined;
  webhookSecret: Credential | undefined;
}

export function bridgeCredentials(config: BridgeConfig, log: Logger): BridgeCredentials {
  const { cloud, webhook } = config;
  const credentialLog = log.child({ part: 'credentials' });
  return {
    apiKey:
      cloud &&
      Credential.of(cloud.apiKey, cloud.apiKeyFile, { name: 'cloud.apiKeyFile', log: credentialLog }),
    webhookSecret:
      webhook.secret === undefined && webhook.secretFile === undefined
        ? undefined
        : Credential.of(webhook.secret, webhook.secretFile, {
            name: 'webhook.secretFile',
            log: credentialLog,
            check: webhookSecretProblem,
            graceMs: webhook.previousSecretGraceMs,
          }),
  };
}
