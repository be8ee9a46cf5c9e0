// Errors in the service's body shape: {code, message, object: "error", request_id, type}.
const types: Record<number, string> = {
  400: 'validation_error',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_server_error',
  502: 'bad_gateway',
};

export interface ErrorBody {
  code: number;
  message: string;
  object: 'error';
  request_id: string;
  type: string;
  fields?: { name: string; message: string }[];
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  /** Label for the rejected-requests metric; set for input the emulator refuses. */
  readonly reason: string | undefined;
  readonly fields: { name: string; message: string }[] | undefined;

  constructor(
    status: number,
    message: string,
    options: { reason?: string; fields?: { name: string; message: string }[] } = {},
  ) {
    super(message);
    this.status = status;
    this.reason = options.reason;
    this.fields = options.fields;
  }

  body(requestId: string): ErrorBody {
    return {
      code: this.status,
      message: this.message,
      object: 'error',
      request_id: requestId,
      type: types[this.status] ?? 'error',
      ...(this.fields ? { fields: this.fields } : {}),
    };
  }
}
