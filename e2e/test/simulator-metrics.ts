// A shelf-sim pod's ground truth as a subscriber can know it, read from its
// Prometheus endpoint: items moved by kind after the cloud first observed each
// shelf (shelfsim_observed_items_total).
export interface ItemsByKind {
  pickup: number;
  putback: number;
  restock: number;
}

export async function observedItems(metricsUrl: string): Promise<ItemsByKind> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${metricsUrl}: ${response.status}`);
  const text = await response.text();
  const items: ItemsByKind = { pickup: 0, putback: 0, restock: 0 };
  for (const match of text.matchAll(/^shelfsim_observed_items_total\{kind="(\w+)"\} (\d+)$/gm)) {
    const kind = match[1] as keyof ItemsByKind;
    if (kind in items) items[kind] = Number(match[2]);
  }
  return items;
}
