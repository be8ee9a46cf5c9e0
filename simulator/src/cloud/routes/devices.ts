// GET /v3/devices (Device Directory) with paging and the filters the
// Connect SDK uses, and GET /v3/devices/{id}.
import { ApiError } from '../api-error.ts';
import type { Device } from '../device-registry.ts';
import type { Route, RouteDeps } from '../route.ts';

const accountId = '0000000000000000000000000000000e';

export function deviceJson(device: Device) {
  return {
    object: 'device',
    id: device.id,
    account_id: accountId,
    name: device.endpointName,
    endpoint_name: device.endpointName,
    endpoint_type: device.endpointType,
    state: device.state,
    lifecycle_status: 'enabled',
    mechanism: 'connector',
    deployed_state: 'development',
    device_execution_mode: 0,
    description: '',
    host_gateway: '',
    created_at: device.createdAt.toISOString(),
    updated_at: device.updatedAt.toISOString(),
  };
}

const fields: Record<string, (d: Device) => string> = {
  id: (d) => d.id,
  state: (d) => d.state,
  endpoint_name: (d) => d.endpointName,
  name: (d) => d.endpointName,
  endpoint_type: (d) => d.endpointType,
};

type Filter = (d: Device) => boolean;

function filterFor(key: string, value: string): Filter {
  const m = /^([a-z_]+?)(?:__(eq|neq|in|nin))?$/.exec(key);
  const field = m && fields[m[1]!];
  if (!m || !field) {
    throw new ApiError(400, `cannot filter on ${key}; supported: ${Object.keys(fields).join(', ')}`, {
      reason: 'bad_filter',
    });
  }
  const list = value.split(',');
  switch (m[2]) {
    case 'neq':
      return (d) => field(d) !== value;
    case 'in':
      return (d) => list.includes(field(d));
    case 'nin':
      return (d) => !list.includes(field(d));
    default:
      return (d) => field(d) === value;
  }
}

const reserved = new Set(['limit', 'after', 'order', 'include', 'filter']);

export function listDevices(all: Device[], query: URLSearchParams) {
  const limitText = query.get('limit') ?? '50';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 2 || limit > 1000) {
    throw new ApiError(400, 'limit must be a whole number from 2 to 1000', { reason: 'bad_query' });
  }
  const order = (query.get('order') ?? 'ASC').toUpperCase();
  if (order !== 'ASC' && order !== 'DESC')
    throw new ApiError(400, 'order must be ASC or DESC', { reason: 'bad_query' });
  const include = (query.get('include') ?? '').split(',').filter(Boolean);
  for (const i of include) {
    if (i !== 'total_count')
      throw new ApiError(400, `include=${i} is not supported`, { reason: 'bad_query' });
  }
  const filters: Filter[] = [];
  // The legacy form packs the filter into one URL-encoded parameter: filter=state%3Dregistered
  for (const [key, value] of new URLSearchParams(query.get('filter') ?? ''))
    filters.push(filterFor(key, value));
  for (const [key, value] of query) if (!reserved.has(key)) filters.push(filterFor(key, value));

  const matching = all.filter((d) => filters.every((f) => f(d))).sort((a, b) => a.createdSeq - b.createdSeq);
  if (order === 'DESC') matching.reverse();
  const after = query.get('after');
  let start = 0;
  if (after) {
    const index = matching.findIndex((d) => d.id === after);
    if (index < 0)
      throw new ApiError(400, `after: no device ${after} in this listing`, { reason: 'bad_query' });
    start = index + 1;
  }
  const page = matching.slice(start, start + limit);
  return {
    object: 'list',
    limit,
    order,
    after: after ?? null,
    has_more: start + limit < matching.length,
    ...(include.includes('total_count') ? { total_count: matching.length } : {}),
    data: page.map(deviceJson),
  };
}

export function deviceRoutes({ registry }: RouteDeps): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v3\/devices\/?$/,
      name: '/v3/devices',
      handle: (ctx) => ({ status: 200, json: listDevices(registry.all(), ctx.query) }),
    },
    {
      method: 'GET',
      pattern: /^\/v3\/devices\/([^/]+)\/?$/,
      name: '/v3/devices/{id}',
      handle: (ctx) => {
        const device = registry.get(ctx.params[0]!);
        if (!device) throw new ApiError(404, `device ${ctx.params[0]} not found`);
        return { status: 200, json: deviceJson(device) };
      },
    },
  ];
}
