//! The byte source behind a browser file: a JS `read(offset, length)` function with a small
//! block cache in front (HDF5 metadata is many small reads), counting the bytes it fetches.

use loomfile_hdf5::storage::ReadAt;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use wasm_bindgen::{JsCast, JsValue};

/// Block size of the cache for small reads.
const BLOCK: u64 = 16 * 1024;
/// Reads longer than this (chunks, mostly) go straight to the function, uncached.
const DIRECT: u64 = 4 * 1024;
/// Blocks kept (16 MiB); the cache is emptied when full.
const MAX_BLOCKS: usize = 1024;

/// A JS read function as a [`ReadAt`].
pub struct JsSource {
    read: js_sys::Function,
    size: u64,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    blocks: HashMap<u64, Vec<u8>>,
    fetched: u64,
    calls: u64,
}

// SAFETY: `JsSource` holds a JS function and a `RefCell`, neither of which may cross threads.
// These impls exist only for `wasm32` without the `atomics` target feature (the module is
// compiled only under that cfg, and the crate root refuses `atomics`): such a wasm instance
// cannot share memory with another thread, so every access happens on the one thread that
// created the value, and `Send`/`Sync` promise nothing that could be broken. The `RefCell`
// is borrowed only inside `read_exact_at`/`fetch`, which never re-enter each other.
unsafe impl Send for JsSource {}
unsafe impl Sync for JsSource {}

impl JsSource {
    /// A source of `size` bytes read through `read(offset, length) -> Uint8Array`.
    pub fn new(size: u64, read: js_sys::Function) -> JsSource {
        JsSource { read, size, state: RefCell::new(State::default()) }
    }

    /// Bytes fetched through the JS function so far, and the number of calls.
    pub fn fetched(&self) -> (u64, u64) {
        let s = self.state.borrow();
        (s.fetched, s.calls)
    }

    fn fetch(&self, state: &mut State, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let len = buf.len();
        let v = self
            .read
            .call2(
                &JsValue::NULL,
                &JsValue::from_f64(offset as f64),
                &JsValue::from_f64(len as f64),
            )
            .map_err(|e| io::Error::other(format!("read at {offset}: {}", js_text(&e))))?;
        let arr = v
            .dyn_into::<js_sys::Uint8Array>()
            .map_err(|_| io::Error::other("the read function did not return a Uint8Array"))?;
        if arr.length() as usize != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("read of {len} bytes at {offset} returned {} bytes", arr.length()),
            ));
        }
        arr.copy_to(buf);
        state.fetched += len as u64;
        state.calls += 1;
        Ok(())
    }
}

fn js_text(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| "the read function failed".into())
}

impl ReadAt for JsSource {
    fn len(&self) -> io::Result<u64> {
        Ok(self.size)
    }

    /// Every read is a call into JS and a slice of the user's file: chunk indexes are read
    /// on demand, one path per chunk asked for.
    fn is_remote(&self) -> bool {
        true
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end =
            offset.checked_add(buf.len() as u64).filter(|&e| e <= self.size).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "read of {} bytes at {offset} passes the end ({} bytes)",
                        buf.len(),
                        self.size
                    ),
                )
            })?;
        let mut state = self.state.borrow_mut();
        if buf.len() as u64 > DIRECT {
            return self.fetch(&mut state, offset, buf);
        }
        let mut pos = offset;
        while pos < end {
            let b = pos / BLOCK;
            if !state.blocks.contains_key(&b) {
                let start = b * BLOCK;
                let n = BLOCK.min(self.size - start) as usize;
                // alloc: n <= BLOCK
                let mut block = vec![0u8; n];
                self.fetch(&mut state, start, &mut block)?;
                if state.blocks.len() >= MAX_BLOCKS {
                    state.blocks.clear();
                }
                state.blocks.insert(b, block);
            }
            let block = state.blocks.get(&b).ok_or_else(|| io::Error::other("cache miss"))?;
            let from = (pos - b * BLOCK) as usize;
            let upto = ((end - b * BLOCK).min(block.len() as u64)) as usize;
            let dst = (pos - offset) as usize;
            let chunk = block.get(from..upto).ok_or_else(|| io::Error::other("short block"))?;
            buf[dst..dst + chunk.len()].copy_from_slice(chunk);
            pos += chunk.len() as u64;
        }
        Ok(())
    }
}
