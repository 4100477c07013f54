//! Loom files in the browser: a wasm-bindgen API over a lazy byte source.
//!
//! The host (a Web Worker) passes the file's size and a `read(offset, length) -> Uint8Array`
//! function, backed there by `File.slice()` and `FileReaderSync`; the engine reads the
//! metadata and then only the chunks a call needs. [`Loom`] answers with JSON text (the
//! `loom info --json` object, attributes, statistics, graphs) or typed arrays (a row, a
//! column, one gene's expression vector).
//!
//! The engine's storage trait is `Send + Sync`; a JS function is neither. [`source::JsSource`]
//! is declared `Send + Sync` only for wasm32 without the `atomics` feature, where a wasm
//! instance has exactly one thread (see the SAFETY note there); the crate refuses to build for
//! threaded wasm and is empty on other targets.

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!("loomfile-wasm assumes single-threaded wasm (no `atomics` target feature)");

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod api;
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
pub mod source;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
pub use api::Loom;
