// A log-linear Poisson model with exposure, fitted by iteratively reweighted
// least squares (IRLS), the textbook way (McCullagh & Nelder, ch. 2):
//   events_i ~ Poisson(mu_i),  log mu_i = log(exposure_i) + x_i · beta.
// Each step solves the weighted normal equations (X'WX) beta = X'Wz with
// W = mu and the working response z = eta - offset + (y - mu) / mu, until the
// deviance stops changing. The covariance of beta is (X'WX)^-1 at the end.
//
// Written here rather than taken from a package: it is forty lines, and it
// needs one thing general matrix libraries do not give, a Cholesky factor that
// says which columns are aliased (a linear combination of earlier ones, as a
// position is when every shelf at it is also the only shelf of one fleet). An
// aliased column gets no coefficient, as in R's glm(), instead of a failure.

export interface GlmFit {
  /** Coefficients by column; NaN for an aliased column. */
  beta: number[];
  /** Standard errors by column; NaN for an aliased column. */
  se: number[];
  /** Columns that are a linear combination of earlier ones. */
  aliased: boolean[];
  converged: boolean;
  iterations: number;
  deviance: number;
}

/** Relative pivot below which a column counts as aliased. */
const aliasTolerance = 1e-9;
const maxIterations = 50;

/**
 * Cholesky factor L (lower, row-major) of a symmetric positive semi-definite
 * matrix. A column whose pivot is tiny relative to its own diagonal is marked
 * aliased and left out (its row and column of L stay zero).
 */
export function choleskyAliased(
  a: number[][],
  fixedAliased?: boolean[],
): { l: number[][]; aliased: boolean[] } {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  const aliased = new Array<boolean>(n).fill(false);
  for (let j = 0; j < n; j++) {
    const row = l[j]!;
    let d = a[j]![j]!;
    for (let k = 0; k < j; k++) d -= row[k]! * row[k]!;
    if (fixedAliased?.[j] || !(d > aliasTolerance * a[j]![j]!) || !(a[j]![j]! > 0)) {
      aliased[j] = true;
      continue;
    }
    const pivot = Math.sqrt(d);
    row[j] = pivot;
    for (let i = j + 1; i < n; i++) {
      const other = l[i]!;
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= other[k]! * row[k]!;
      other[j] = s / pivot;
    }
  }
  return { l, aliased };
}

/** Solves L L' x = b, with x = 0 for aliased columns. */
export function choleskySolve(l: number[][], aliased: boolean[], b: number[]): number[] {
  const n = b.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    if (aliased[i]) continue;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    if (aliased[i]) continue;
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}

/** X'WX and X'Wz for the current weights. */
function normalEquations(x: number[][], w: number[], z: number[]): { xtwx: number[][]; xtwz: number[] } {
  const p = x[0]?.length ?? 0;
  const xtwx = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xtwz = new Array<number>(p).fill(0);
  x.forEach((row, i) => {
    const wi = w[i]!;
    for (let a = 0; a < p; a++) {
      const wa = wi * row[a]!;
      if (wa === 0) continue;
      xtwz[a]! += wa * z[i]!;
      for (let b = 0; b <= a; b++) xtwx[a]![b]! += wa * row[b]!;
    }
  });
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) xtwx[b]![a] = xtwx[a]![b]!;
  return { xtwx, xtwz };
}

function poissonDeviance(y: number[], mu: number[]): number {
  let d = 0;
  y.forEach((yi, i) => {
    const m = mu[i]!;
    d += 2 * ((yi > 0 ? yi * Math.log(yi / m) : 0) - (yi - m));
  });
  return d;
}

/**
 * Fits the model to rows of `x` (design, one row per cell), `y` (events) and
 * `exposure` (> 0). Which columns are aliased is decided once, from the
 * unweighted design, so it cannot change from one step to the next.
 */
export function fitPoissonGlm(x: number[][], y: number[], exposure: number[]): GlmFit {
  const p = x[0]?.length ?? 0;
  const offset = exposure.map((e) => Math.log(e));
  const { aliased } = choleskyAliased(
    normalEquations(
      x,
      y.map(() => 1),
      y,
    ).xtwx,
  );
  // Start from the data, as glm() does: mu = y + 0.5.
  let eta = y.map((yi) => Math.log(yi + 0.5));
  let mu = eta.map(Math.exp);
  let deviance = poissonDeviance(y, mu);
  let beta = new Array<number>(p).fill(0);
  let l: number[][] = [];
  let converged = false;
  let iterations = 0;
  while (iterations < maxIterations && !converged) {
    iterations++;
    const z = eta.map((e, i) => e - offset[i]! + (y[i]! - mu[i]!) / mu[i]!);
    const { xtwx, xtwz } = normalEquations(x, mu, z);
    const factor = choleskyAliased(xtwx, aliased);
    l = factor.l;
    // A column that only the weights made degenerate (no events near it) has no estimate.
    factor.aliased.forEach((a, j) => (aliased[j] = aliased[j] || a));
    beta = choleskySolve(l, aliased, xtwz);
    eta = x.map((row, i) => row.reduce((s, v, j) => s + v * beta[j]!, offset[i]!));
    mu = eta.map(Math.exp);
    const next = poissonDeviance(y, mu);
    converged = Math.abs(next - deviance) / (Math.abs(next) + 0.1) < 1e-10;
    deviance = next;
  }
  // Diagonal of (X'WX)^-1 restricted to the estimable columns.
  const se = beta.map((_, j) => {
    if (aliased[j]) return NaN;
    const unit = new Array<number>(p).fill(0);
    unit[j] = 1;
    return Math.sqrt(choleskySolve(l, aliased, unit)[j]!);
  });
  return {
    beta: beta.map((b, j) => (aliased[j] ? NaN : b)),
    se,
    aliased,
    converged,
    iterations,
    deviance,
  };
}
