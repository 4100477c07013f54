//! Data parallelism with a serial twin, for this crate and the crates above it: on the
//! caller's rayon pool with the `parallel` feature, a plain loop without it (wasm32). Both
//! paths run the same bodies and give the same results; only the scheduling differs.

/// Threads of the pool the caller is running in (1 without the `parallel` feature).
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

/// Run `f` on every task; the first error stops the remaining ones (which error is reported
/// when several tasks fail is unspecified in parallel). Tasks are coarse (whole bands of
/// chunks): each is stolen on its own.
pub fn run<I, E, F>(tasks: Vec<I>, f: F) -> Result<(), E>
where
    I: Send,
    E: Send,
    F: Fn(I) -> Result<(), E> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if tasks.len() > 1 && threads() > 1 {
        use rayon::prelude::*;
        return tasks.into_par_iter().with_max_len(1).try_for_each(f);
    }
    tasks.into_iter().try_for_each(f)
}

/// Map every task through `f`, results in task order; the first error is returned.
pub fn map<I, R, E, F>(tasks: Vec<I>, f: F) -> Result<Vec<R>, E>
where
    I: Send,
    R: Send,
    E: Send,
    F: Fn(I) -> Result<R, E> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if tasks.len() > 1 && threads() > 1 {
        use rayon::prelude::*;
        return tasks.into_par_iter().with_max_len(1).map(f).collect();
    }
    tasks.into_iter().map(f).collect()
}

/// Map `f` over fine-grained `items` with per-worker state from `init`, keeping order.
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

/// Map `f` over fine-grained `items` with per-worker state from `init`, keeping order.
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

/// Run `a` and `b`, at the same time when the pool has a thread to spare (one after the
/// other without the `parallel` feature); both results are returned.
#[cfg(feature = "parallel")]
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    rayon::join(a, b)
}

/// Run `a` and `b`, at the same time when the pool has a thread to spare (one after the
/// other without the `parallel` feature); both results are returned.
#[cfg(not(feature = "parallel"))]
pub fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B) -> (A, B) {
    (a(), b())
}
