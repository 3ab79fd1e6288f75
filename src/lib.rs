//! API Doctor: diagnoses, from the user's own browser, whether the Claude API is usable and which layer breaks.
//!
//! `core` is pure Rust and knows nothing of browsers; `web` is the thin shell that runs probes with `fetch`
//! and renders, compiled for `wasm32` only.

#![forbid(unsafe_code)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

/// The page's allocator: talc, which grows the wasm memory as needed and is smaller than std's dlmalloc.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
