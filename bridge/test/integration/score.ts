// Scores derived interactions against the simulator's ground truth: a derived
// event matches a true one on the same device with the same kind and items,
// within a time window, each used once. Precision and recall per kind.
export interface ScoredEvent {
  device: string;
  kind: string;
  items: number;
  timeMs: number;
}

export interface KindScore {
  truth: number;
  derived: number;
  matched: number;
  precision: number;
  recall: number;
}

export function score(
  truth: ScoredEvent[],
  derived: ScoredEvent[],
  windowMs: number,
): Record<string, KindScore> {
  const result: Record<string, KindScore> = {};
  for (const kind of ['pickup', 'putback', 'restock']) {
    const t = truth.filter((e) => e.kind === kind);
    const d = derived.filter((e) => e.kind === kind);
    const used = new Set<number>();
    let matched = 0;
    for (const event of t) {
      let best = -1;
      for (let i = 0; i < d.length; i++) {
        const c = d[i] as ScoredEvent;
        if (used.has(i) || c.device !== event.device || c.items !== event.items) continue;
        if (Math.abs(c.timeMs - event.timeMs) > windowMs) continue;
        if (
          best < 0 ||
          Math.abs(c.timeMs - event.timeMs) < Math.abs((d[best] as ScoredEvent).timeMs - event.timeMs)
        )
          best = i;
      }
      if (best >= 0) {
        used.add(best);
        matched++;
      }
    }
    result[kind] = {
      truth: t.length,
      derived: d.length,
      matched,
      precision: d.length === 0 ? 1 : matched / d.length,
      recall: t.length === 0 ? 1 : matched / t.length,
    };
  }
  return result;
}
