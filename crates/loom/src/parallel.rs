//! Data parallelism with a serial twin: rayon in the caller's pool when the `parallel`
//! feature is on, a plain loop otherwise (wasm32), with identical results.

/// Map `f` over `items` with per-worker state from `init`, keeping order.
#[cfg(feature = "parallel")]
pub fn map_init<I, S, R>(
    items: &[I],
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, &I) -> R + Sync + Send,
) -> Vec<R>
where
    I: Sync,
    R: Send,
{
    use rayon::prelude::*;
    items.par_iter().map_init(init, f).collect()
}

/// Map `f` over `items` with per-worker state from `init`, keeping order.
#[cfg(not(feature = "parallel"))]
pub fn map_init<I, S, R>(items: &[I], init: impl Fn() -> S, f: impl Fn(&mut S, &I) -> R) -> Vec<R> {
    let mut s = init();
    items.iter().map(|x| f(&mut s, x)).collect()
}
