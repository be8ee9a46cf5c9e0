// An http(s) URL field. The bridge and the operator reach it with fetch, which
// refuses other schemes and URLs carrying credentials, so both are rejected at
// admission, with messages that name the field.
import { z } from 'zod';

/** `field` is the path a person sees (spec.url); `secretField` is where credentials belong instead. */
export function httpUrl(field: string, secretField: string) {
  const schemeMessage = `${field} must be an http:// or https:// URL`;
  const credentialsMessage = `${field} must not carry credentials: use ${secretField}`;
  return z
    .url({ protocol: /^https?$/, error: schemeMessage })
    .max(2048)
    .refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), {
      message: credentialsMessage,
    })
    .meta({
      'x-kubernetes-validations': [
        { rule: "self.matches('(?i)^https?://')", message: schemeMessage },
        { rule: "!self.matches('^[^/]*//[^/?#]*@')", message: credentialsMessage },
      ],
    });
}
