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

/// Run `f` on every item (disjoint pieces of work, e.g. `&mut` slices of one output).
#[cfg(feature = "parallel")]
pub fn for_each<I: Send>(items: Vec<I>, f: impl Fn(I) + Sync + Send) {
    use rayon::prelude::*;
    items.into_par_iter().for_each(f)
}

/// Run `f` on every item (disjoint pieces of work, e.g. `&mut` slices of one output).
#[cfg(not(feature = "parallel"))]
pub fn for_each<I>(items: Vec<I>, f: impl Fn(I)) {
    items.into_iter().for_each(f)
}

/// Threads of the caller's pool (1 without the `parallel` feature).
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads().max(1)
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}
