//! Sharing: the browser's own deflate for report links, the clipboard, and JSON downloads.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, BlobPropertyBag, HtmlAnchorElement, ReadableStream, ReadableStreamDefaultReader, Url,
};

use super::dom::{attr, document};
use crate::core::report::Report;
use crate::core::share::{self, ShareError, MAX_PACK_BYTES};

// web-sys offers the compression streams only behind an unstable flag; the two constructors are all
// this page needs of them.
#[wasm_bindgen]
extern "C" {
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
}

/// Raw DEFLATE (RFC 1951): no header or checksum to spend link characters on.
const FORMAT: &str = "deflate-raw";

/// `bytes` as a stream, piped through a compression or decompression transform.
fn piped(bytes: &[u8], transform: &JsValue) -> Result<ReadableStream, JsValue> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = Blob::new_with_u8_array_sequence(&parts)?;
    // Both transforms have the `readable` and `writable` pair that pipeThrough takes.
    Ok(blob.stream().pipe_through(transform.unchecked_ref()))
}

/// Reads a stream to its end, giving up beyond `cap` bytes.
async fn read_all(stream: ReadableStream, cap: usize) -> Result<Vec<u8>, ShareError> {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| ShareError::Corrupt)?;
        if Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true)
        {
            return Ok(out);
        }
        let value = Reflect::get(&chunk, &"value".into()).map_err(|_| ShareError::Corrupt)?;
        let data = Uint8Array::new(&value);
        if out.len() + data.length() as usize > cap {
            // A small link that inflates without end is refused, not followed.
            let _ = reader.cancel();
            return Err(ShareError::Corrupt);
        }
        let start = out.len();
        out.resize(start + data.length() as usize, 0);
        data.copy_to(&mut out[start..]);
    }
}

/// The report link's text after `#report=`.
pub async fn encode(report: &Report) -> Option<String> {
    let transform = CompressionStream::new(FORMAT).ok()?;
    let stream = piped(&share::pack(report), &transform).ok()?;
    let compressed = read_all(stream, usize::MAX).await.ok()?;
    Some(share::frame_report(report, &compressed))
}

/// The report in a report link's text, or why it cannot be read.
pub async fn decode(text: &str) -> Result<Report, ShareError> {
    let (version, compressed) = share::open(text)?;
    let transform = DecompressionStream::new(FORMAT).map_err(|_| ShareError::Corrupt)?;
    let stream = piped(&compressed, &transform).map_err(|_| ShareError::Corrupt)?;
    let bytes = read_all(stream, MAX_PACK_BYTES).await?;
    share::unpack_version(version, &bytes)
}

/// Puts text on the clipboard; false when the browser refuses.
pub async fn copy(text: &str) -> bool {
    let clipboard = web_sys::window().unwrap_throw().navigator().clipboard();
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str, mime: &str) {
    let parts = Array::of1(&JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let a: HtmlAnchorElement = document()
        .create_element("a")
        .unwrap_throw()
        .unchecked_into();
    a.set_href(&url);
    attr(&a, "download", name);
    a.click();
    // Some browsers read the object URL after the click returns, so it is released a little later.
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(never) = web_sys::AbortController::new() {
            super::fetch::sleep(10_000, &never.signal()).await;
        }
        let _ = Url::revoke_object_url(&url);
    });
}
