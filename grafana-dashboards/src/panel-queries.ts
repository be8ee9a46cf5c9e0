// Every range-dependent panel's query builder, by panel title: the same
// builder gives a panel's target at any tier (raw, hourly, daily rollups), so
// a test or benchmark can run a rollup target's raw-point twin.
import type { Tier } from './rollups.ts';
import type { Select } from './influxql.ts';
import {
  bufferDepthQuery,
  devicesRegisteredQuery,
  notificationRateQuery,
  writeErrorsQuery,
} from './dashboards/fleet-health.ts';
import { interactionsQuery } from './dashboards/interactions.ts';
import { interactionsByPositionQuery, putbackRatioByPositionQuery } from './dashboards/placement.ts';
import { countChangesQuery } from './dashboards/product-activity.ts';
import { putbackRatioByProductQuery, putbackRatioOverTimeQuery } from './dashboards/putback-ratio.ts';
import { emptyShelvesQuery, restocksQuery, stockQuery } from './dashboards/stock.ts';

export const panelQueries: Record<string, (tier: Tier) => Select> = {
  'Product activity': countChangesQuery,
  'Pick-ups and put-backs per minute': interactionsQuery,
  'Put-back ratio per product (time range)': putbackRatioByProductQuery,
  'Put-back ratio over time': putbackRatioOverTimeQuery,
  'Items handled by position': interactionsByPositionQuery,
  'Put-back ratio by position': putbackRatioByPositionQuery,
  'Empty shelves': emptyShelvesQuery,
  'Stock per shelf': stockQuery,
  'Restocks per product': restocksQuery,
  'Devices registered': devicesRegisteredQuery,
  'Notification rate': notificationRateQuery,
  'Bridge write errors': writeErrorsQuery,
  'Bridge buffer depth': bufferDepthQuery,
};
