// Reading a Secret that a custom resource names. Write access to a ShelfFleet
// or a MetricSink must not become read access to Secrets: a Secret is used only
// from the resource's own namespace (the references carry no namespace) and
// only when whoever owns the Secret opted in with a label, as Kong's operator
// does with `konghq.com/secret: "true"`. A label, not an annotation, so the
// chart and `kubectl label` set it and a selector finds every opted-in Secret.
// An annotation may narrow the opt-in to some keys, so that a Secret holding
// an admin password next to a writer's password hands out only the writer's.
// A refused reference is an error with a reason a person can act on; the
// value of a Secret that did not opt in is never used.
import { isForbidden, isNotFound, type KubeClient, type KubeObject } from './client.ts';
import { resourcePath, resources } from './paths.ts';

export const allowReferenceLabel = 'shelfpulse.io/allow-reference';
/** Comma-separated keys that may be referenced; without it, every key may. */
export const allowedKeysAnnotation = 'shelfpulse.io/allowed-keys';

export const secretReferenceReasons = [
  'SecretNotFound',
  'SecretNotAllowed',
  'SecretForbidden',
  'SecretKeyMissing',
] as const;
export type SecretReferenceReason = (typeof secretReferenceReasons)[number];

export class SecretReferenceError extends Error {
  readonly reason: SecretReferenceReason;
  constructor(reason: SecretReferenceReason, message: string) {
    super(message);
    this.name = 'SecretReferenceError';
    this.reason = reason;
  }
}

type Secret = KubeObject & { data?: Record<string, string> };

/**
 * The decoded values of `keys` (those present) in Secret `name` in
 * `namespace`, for the resource field `field` (named in every message), when
 * the Secret carries the opt-in label and allows those keys.
 */
export async function readReferencedSecret(
  client: KubeClient,
  namespace: string,
  name: string,
  field: string,
  keys: readonly string[],
): Promise<Record<string, string>> {
  let secret: Secret;
  try {
    secret = await client.get<Secret>(resourcePath(resources.secrets, namespace, name));
  } catch (error) {
    if (isNotFound(error))
      throw new SecretReferenceError(
        'SecretNotFound',
        `Secret ${name} (${field}) does not exist in ${namespace}`,
      );
    if (isForbidden(error))
      throw new SecretReferenceError(
        'SecretForbidden',
        `ShelfPulse may not read Secrets in namespace ${namespace} (${field}): an administrator adds the namespace to the chart value operator.managedNamespaces`,
      );
    throw error;
  }
  if (secret.metadata?.labels?.[allowReferenceLabel] !== 'true') {
    throw new SecretReferenceError(
      'SecretNotAllowed',
      `Secret ${name} (${field}) has not opted in to use by ShelfPulse resources: its owner labels it ${allowReferenceLabel}=true`,
    );
  }
  const data = secret.data ?? {};
  const allowed = secret.metadata?.annotations?.[allowedKeysAnnotation]?.split(',').map((k) => k.trim());
  const refused = keys.filter((k) => Object.hasOwn(data, k) && allowed && !allowed.includes(k));
  if (refused.length > 0) {
    throw new SecretReferenceError(
      'SecretNotAllowed',
      `Secret ${name} (${field}) does not allow key ${refused.join(', ')}: its owner lists it in the annotation ${allowedKeysAnnotation}`,
    );
  }
  // No prototype: a key named e.g. "toString" is absent, not a function.
  const values = Object.create(null) as Record<string, string>;
  for (const key of keys) {
    if (Object.hasOwn(data, key)) values[key] = Buffer.from(data[key]!, 'base64').toString('utf8');
  }
  return values;
}
