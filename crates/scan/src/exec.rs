//! Running tasks: on the caller's rayon pool with the `parallel` feature, serially without.
//! The two paths run the same task bodies; only the scheduling differs.

use crate::Result;

/// Threads of the pool the caller is running in (1 without the `parallel` feature).
pub(crate) fn threads() -> usize {
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
/// when several tasks fail is unspecified in parallel).
pub(crate) fn run<I, F>(tasks: Vec<I>, f: F) -> Result<()>
where
    I: Send,
    F: Fn(I) -> Result<()> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if tasks.len() > 1 && threads() > 1 {
        use rayon::prelude::*;
        // Tasks are coarse (whole bands of chunks): let each be stolen on its own.
        return tasks.into_par_iter().with_max_len(1).try_for_each(f);
    }
    tasks.into_iter().try_for_each(f)
}

/// Map every task through `f`, results in task order.
pub(crate) fn map<I, R, F>(tasks: Vec<I>, f: F) -> Result<Vec<R>>
where
    I: Send,
    R: Send,
    F: Fn(I) -> Result<R> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if tasks.len() > 1 && threads() > 1 {
        use rayon::prelude::*;
        return tasks.into_par_iter().with_max_len(1).map(f).collect();
    }
    tasks.into_iter().map(f).collect()
}
